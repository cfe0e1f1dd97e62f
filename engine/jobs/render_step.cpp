#include "engine/jobs/render_step.hpp"

#include <cairo.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <hearth/draw.hpp>
#include <map>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/jobs/job_modules.hpp"
#include "engine/jobs/renderer_choice.hpp"
#include "engine/params/param_resolver.hpp"
#include "engine/plots/picture_file.hpp"
#include "engine/runtime/library_loader.hpp"
#include "engine/runtime/modules/renderer_module.hpp"

namespace hearth {
namespace {

namespace draw = hearth::draw;

/// One column of the pictures: a dataset tensor or a model output, and who draws it.
struct Column {
  std::string name;
  int64_t sample_slot = -1;  ///< index among the dataset's tensors, or -1 for a prediction
  int64_t output = -1;       ///< model output index for a prediction
  std::string renderer;      ///< plugin name
  std::unique_ptr<RendererModule> module;
};

/// The class a tensor names: an integer label, or the argmax of scores; -1 when neither.
int64_t class_of(const at::Tensor& t, size_t classes) {
  if (classes == 0) return -1;
  if (t.numel() == 1 && !t.is_floating_point()) return t.item<int64_t>();
  if (t.dim() == 1 && static_cast<size_t>(t.size(0)) == classes) return t.argmax().item<int64_t>();
  return -1;
}

}  // namespace

std::vector<int64_t> parse_index_list(const std::string& text) {
  std::vector<int64_t> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ',')) {
    auto bad = [&] { return UsageError("--index '" + text + "': '" + part + "' is not N or N-M (for example 0-15 or 3,7,9-12)"); };
    size_t dash = part.find('-', 1);
    try {
      size_t used = 0;
      int64_t a = std::stoll(part.substr(0, dash), &used);
      if (used != (dash == std::string::npos ? part.size() : dash) || a < 0) throw bad();
      int64_t b = a;
      if (dash != std::string::npos) {
        b = std::stoll(part.substr(dash + 1), &used);
        if (used != part.size() - dash - 1 || b < a) throw bad();
      }
      if (b - a > 10000) throw UsageError("--index '" + text + "' selects more than 10000 samples");
      for (int64_t i = a; i <= b; ++i) out.push_back(i);
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception&) {
      throw bad();
    }
  }
  if (out.empty()) throw UsageError("--index '" + text + "' selects no sample");
  return out;
}

namespace {

/// What gets drawn: the chosen samples, the model's predictions for them, and a column per tensor
/// with the renderer that draws it.
struct Gallery {
  std::vector<int64_t> positions;                   ///< in the split, as the user chose them
  std::vector<std::vector<at::Tensor>> samples;     ///< per position, every dataset tensor
  std::vector<std::vector<at::Tensor>> predictions; ///< per position, every model output; empty without a model
  std::vector<Column> columns;
  std::vector<std::string> names, classes;
  int64_t target_slot = -1;                         ///< the first tensor with the target role

  const at::Tensor& tensor_at(const Column& c, size_t k) const {
    return c.sample_slot >= 0 ? samples[k][static_cast<size_t>(c.sample_slot)] : predictions[k][static_cast<size_t>(c.output)];
  }

  /// One tensor of one sample, drawn by its column's renderer; a renderer's failure names it.
  void draw_cell(cairo_t* cr, int w, int h, Column& c, size_t k) const {
    RenderInputs in;
    in.tensor_names = names;
    in.class_names = classes;
    in.sample = samples[k];
    in.tensor_index = c.sample_slot >= 0 ? static_cast<size_t>(c.sample_slot) : names.size();
    try {
      c.module->render(cr, w, h, tensor_at(c, k), in);
    } catch (const std::exception& e) {
      throw PluginError(std::string(e.what()) + " (drawing tensor '" + c.name + "' with renderer " + c.renderer +
                        "; choose another with [[renders]] tensor = \"" + c.name + "\" plugin = \"...\")");
    }
  }
};

/// The trained model's outputs for the samples: one batch of their inputs, in eval mode.
std::vector<std::vector<at::Tensor>> predict_samples(Session& trained, const DatasetModule& data,
                                                     const std::vector<std::vector<at::Tensor>>& samples) {
  std::vector<at::Tensor> inputs;
  for (size_t slot = 0; slot < data.tensor_names().size(); ++slot) {
    if (data.tensor_roles()[slot] != HEARTH_ROLE_INPUT) continue;
    std::vector<at::Tensor> column;
    for (const auto& s : samples) column.push_back(s[slot]);
    inputs.push_back(torch::stack(column));
  }
  std::vector<at::Tensor> outputs = trained.predict(inputs);
  std::vector<std::vector<at::Tensor>> predictions(samples.size());
  for (size_t k = 0; k < samples.size(); ++k)
    for (const at::Tensor& out : outputs) predictions[k].push_back(out[static_cast<int64_t>(k)].to(at::kCPU));
  return predictions;
}

/// A column per dataset tensor, then one per model output, each with its renderer.
void add_columns(Gallery& g, const PluginRegistry& reg, const Job& job) {
  for (size_t slot = 0; slot < g.names.size(); ++slot) g.columns.push_back({g.names[slot], static_cast<int64_t>(slot), -1, "", nullptr});
  const size_t outputs = g.predictions.empty() ? 0 : g.predictions[0].size();
  for (size_t out = 0; out < outputs; ++out)
    g.columns.push_back({outputs == 1 ? "prediction" : "prediction." + std::to_string(out), -1, static_cast<int64_t>(out), "", nullptr});
  for (Column& c : g.columns) c.module = job_renderer(reg, job, c.name, g.tensor_at(c, 0), g.classes.size(), c.renderer);
}

/// Where the contact sheet puts things.
struct SheetLayout {
  double cell, gap = 8, caption = 22, label_w = 60, header = 64;
  double x(size_t column) const { return label_w + (cell + gap) * static_cast<double>(column); }
  double y(size_t row) const { return header + (cell + caption + gap) * static_cast<double>(row); }
};

/// How many predictions the sheet judged, and how many were right.
struct Score {
  int judged = 0, correct = 0;
};

/// Row k: the sample's number, its cells framed, and a caption with the target's class and the
/// prediction's, green when right, red when wrong.
void draw_sheet_row(cairo_t* cr, Gallery& g, size_t k, const SheetLayout& l, Score& score) {
  const double y = l.y(k), cell = l.cell;
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  draw::set_font(cr, 12, true);
  draw::text(cr, "#" + std::to_string(g.positions[k]), l.label_w - 8, y + cell / 2, 1);
  for (size_t c = 0; c < g.columns.size(); ++c) {
    const double x = l.x(c);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rectangle(cr, 0, 0, cell, cell);
    cairo_clip(cr);
    g.draw_cell(cr, static_cast<int>(cell), static_cast<int>(cell), g.columns[c], k);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x - 0.5, y - 0.5, cell + 1, cell + 1);
    cairo_stroke(cr);
  }
  int64_t truth = g.target_slot >= 0 ? class_of(g.samples[k][static_cast<size_t>(g.target_slot)], g.classes.size()) : -1;
  int64_t guess = !g.predictions.empty() && !g.predictions[k].empty() ? class_of(g.predictions[k][0], g.classes.size()) : -1;
  draw::set_font(cr, 12);
  const double cy = y + cell + 16;
  double cx = l.label_w;
  if (truth >= 0) {
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    std::string t = "label: " + g.classes[static_cast<size_t>(truth)];
    draw::text(cr, t, cx, cy);
    cx += draw::text_width(cr, t) + 16;
  }
  if (guess < 0) return;
  bool right = guess == truth;
  if (truth >= 0) ++score.judged, score.correct += right ? 1 : 0;
  if (truth >= 0 && right) cairo_set_source_rgb(cr, 0.1, 0.55, 0.2);
  else if (truth >= 0) cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
  else cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  draw::text(cr, "predicted: " + g.classes[static_cast<size_t>(guess)], cx, cy);
}

/// contact-sheet.png: a row per sample, a column per tensor, a title with the score.
fs::path write_contact_sheet(Gallery& g, const std::string& title, const RenderOptions& o) {
  SheetLayout l{static_cast<double>(o.thumb)};
  int sheet_w = std::max(static_cast<int>(l.x(g.columns.size()) + l.gap), 720);  // room for the title
  int sheet_h = static_cast<int>(l.y(g.samples.size()) + l.gap);
  fs::path sheet = o.out_dir / "contact-sheet.png";
  write_picture(sheet, sheet_w, sheet_h, [&](cairo_t* cr, int w, int) {
    Score score;
    for (size_t k = 0; k < g.samples.size(); ++k) draw_sheet_row(cr, g, k, l, score);
    // Header last: it reports the score counted while drawing the rows.
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    std::string text = title;
    if (score.judged > 0)
      text += " (" + std::to_string(score.correct) + " of " + std::to_string(score.judged) + " predicted right)";
    draw::title(cr, {0, 0, static_cast<double>(w), 30}, text, 15);
    draw::set_font(cr, 11, true);
    for (size_t c = 0; c < g.columns.size(); ++c) {
      const Column& col = g.columns[c];
      draw::text(cr, draw::fit_text(cr, col.name + " (" + col.renderer + ")", l.cell), l.x(c) + l.cell / 2, l.header - 10, 0.5);
    }
  });
  return sheet;
}

}  // namespace

std::vector<fs::path> render_samples(Session& session, const PluginRegistry& reg, Session* trained, const RenderOptions& o) {
  const DatasetModule& data = session.data();
  const std::string split_text = split_label(o.split);
  Gallery g;
  g.positions = parse_index_list(o.indices);
  const IndexSet& ids = session.split(o.split);
  if (*std::max_element(g.positions.begin(), g.positions.end()) >= static_cast<int64_t>(ids.size()))
    throw UsageError("--index " + o.indices + " goes past the " + split_text + " split, which has " + std::to_string(ids.size()) + " samples");
  for (int64_t p : g.positions) g.samples.push_back(data.get(session.plan().source(o.split), ids[p]));
  g.names = data.tensor_names();
  g.classes = data.class_names();
  for (size_t s = 0; s < g.names.size() && g.target_slot < 0; ++s)
    if (data.tensor_roles()[s] == HEARTH_ROLE_TARGET) g.target_slot = static_cast<int64_t>(s);
  if (trained != nullptr) g.predictions = predict_samples(*trained, data, g.samples);
  add_columns(g, reg, session.job());

  fs::create_directories(o.out_dir);
  std::vector<fs::path> written;
  for (size_t k = 0; k < g.samples.size(); ++k)
    for (Column& c : g.columns) {
      fs::path file = o.out_dir / (std::to_string(g.positions[k]) + "-" + c.name + ".png");
      write_picture(file, o.size, o.size, [&](cairo_t* cr, int w, int h) { g.draw_cell(cr, w, h, c, k); });
      written.push_back(file);
    }
  written.push_back(write_contact_sheet(g, session.job().name() + ": " + split_text + " samples " + o.indices, o));
  spdlog::info("rendered {} samples x {} tensors into {}", g.samples.size(), g.columns.size(), o.out_dir.string());
  return written;
}

}  // namespace hearth
