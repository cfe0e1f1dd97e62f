#include "engine/jobs/render_step.hpp"

#include <cairo.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <hearth/draw.hpp>
#include <map>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/jobs/data_loader.hpp"
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

std::unique_ptr<RendererModule> make_renderer(const PluginRegistry& reg, const Job& job, const std::string& column,
                                              std::string& chosen, const at::Tensor& example, size_t classes) {
  const ModuleSpec* spec = nullptr;
  for (size_t i = 0; i < job.renders.size(); ++i) {
    const std::string& t = job.options.renders[i].tensor;
    if (t == column) spec = &job.renders[i];
    else if (t.empty() && spec == nullptr) spec = &job.renders[i];
  }
  if (spec != nullptr) {
    chosen = spec->entry->info.name;
    return std::make_unique<RendererModule>(module_ref(*spec), spec->params);
  }
  chosen = default_renderer(example, classes, column);
  const ModuleEntry& e = reg.find(HEARTH_CATEGORY_RENDERER, chosen);
  return std::make_unique<RendererModule>(load_module(e.file, HEARTH_CATEGORY_RENDERER, e.info.name), default_params(e.info));
}

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

std::vector<fs::path> render_samples(Session& session, const PluginRegistry& reg, Session* trained, const RenderOptions& o) {
  const Job& job = session.job();
  const DatasetModule& data = session.data();
  const std::string split_text = split_label(o.split);
  std::vector<int64_t> positions = parse_index_list(o.indices);
  const std::vector<int64_t>& ids = session.split(o.split);
  if (*std::max_element(positions.begin(), positions.end()) >= static_cast<int64_t>(ids.size()))
    throw UsageError("--index " + o.indices + " goes past the " + split_text + " split, which has " + std::to_string(ids.size()) + " samples");

  std::vector<std::vector<at::Tensor>> samples;
  for (int64_t p : positions) samples.push_back(data.get(session.plan().source(o.split), ids[static_cast<size_t>(p)]));
  const std::vector<std::string>& names = data.tensor_names();
  const std::vector<std::string>& classes = data.class_names();

  // Predictions: one batch through the model, in eval mode, without gradients.
  std::vector<std::vector<at::Tensor>> predictions(samples.size());
  if (trained != nullptr) {
    std::vector<at::Tensor> inputs;
    for (size_t slot = 0; slot < names.size(); ++slot) {
      if (data.tensor_roles()[slot] != HEARTH_ROLE_INPUT) continue;
      std::vector<at::Tensor> column;
      for (const auto& s : samples) column.push_back(s[slot]);
      inputs.push_back(torch::stack(column));
    }
    std::vector<at::Tensor> outputs = trained->predict(inputs);
    for (size_t k = 0; k < samples.size(); ++k)
      for (const at::Tensor& out : outputs) predictions[k].push_back(out[static_cast<int64_t>(k)].to(at::kCPU));
  }

  std::vector<Column> columns;
  for (size_t slot = 0; slot < names.size(); ++slot) columns.push_back({names[slot], static_cast<int64_t>(slot), -1, "", nullptr});
  for (size_t out = 0; !predictions.empty() && out < predictions[0].size(); ++out)
    columns.push_back({predictions[0].size() == 1 ? "prediction" : "prediction." + std::to_string(out), -1, static_cast<int64_t>(out), "", nullptr});
  auto tensor_at = [&](const Column& c, size_t k) -> const at::Tensor& {
    return c.sample_slot >= 0 ? samples[k][static_cast<size_t>(c.sample_slot)] : predictions[k][static_cast<size_t>(c.output)];
  };
  for (Column& c : columns) c.module = make_renderer(reg, job, c.name, c.renderer, tensor_at(c, 0), classes.size());

  RenderInputs base;
  base.tensor_names = names;
  base.class_names = classes;
  auto draw_cell = [&](cairo_t* cr, int w, int h, Column& c, size_t k) {
    RenderInputs in = base;
    in.sample = samples[k];
    in.tensor_index = c.sample_slot >= 0 ? static_cast<size_t>(c.sample_slot) : names.size();
    try {
      c.module->render(cr, w, h, tensor_at(c, k), in);
    } catch (const std::exception& e) {
      throw PluginError(std::string(e.what()) + " (drawing tensor '" + c.name + "' with renderer " + c.renderer +
                        "; choose another with [[renders]] tensor = \"" + c.name + "\" plugin = \"...\")");
    }
  };

  fs::create_directories(o.out_dir);
  std::vector<fs::path> written;
  for (size_t k = 0; k < samples.size(); ++k)
    for (Column& c : columns) {
      fs::path file = o.out_dir / (std::to_string(positions[k]) + "-" + c.name + ".png");
      write_picture(file, o.size, o.size, [&](cairo_t* cr, int w, int h) { draw_cell(cr, w, h, c, k); });
      written.push_back(file);
    }

  // Contact sheet: a row per sample, a column per tensor, captions under each row.
  const double cell = o.thumb, gap = 8, caption = 22, label_w = 60, header = 64;
  int sheet_w = static_cast<int>(label_w + (cell + gap) * static_cast<double>(columns.size()) + gap);
  sheet_w = std::max(sheet_w, 720);  // room for the title
  int sheet_h = static_cast<int>(header + (cell + caption + gap) * static_cast<double>(samples.size()) + gap);
  int64_t target_slot = -1;
  for (size_t s = 0; s < names.size(); ++s)
    if (data.tensor_roles()[s] == HEARTH_ROLE_TARGET && target_slot < 0) target_slot = static_cast<int64_t>(s);
  int correct = 0, judged = 0;
  fs::path sheet = o.out_dir / "contact-sheet.png";
  write_picture(sheet, sheet_w, sheet_h, [&](cairo_t* cr, int w, int) {
    for (size_t k = 0; k < samples.size(); ++k) {
      double y = header + (cell + caption + gap) * static_cast<double>(k);
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      draw::set_font(cr, 12, true);
      draw::text(cr, "#" + std::to_string(positions[k]), label_w - 8, y + cell / 2, 1);
      for (size_t c = 0; c < columns.size(); ++c) {
        double x = label_w + (cell + gap) * static_cast<double>(c);
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_rectangle(cr, 0, 0, cell, cell);
        cairo_clip(cr);
        draw_cell(cr, static_cast<int>(cell), static_cast<int>(cell), columns[c], k);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x - 0.5, y - 0.5, cell + 1, cell + 1);
        cairo_stroke(cr);
      }
      // Caption: the target's class, and the prediction's in green (right) or red (wrong).
      int64_t truth = target_slot >= 0 ? class_of(samples[k][static_cast<size_t>(target_slot)], classes.size()) : -1;
      int64_t guess = !predictions[k].empty() ? class_of(predictions[k][0], classes.size()) : -1;
      draw::set_font(cr, 12);
      double cy = y + cell + 16;
      double cx = label_w;
      if (truth >= 0) {
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        std::string t = "label: " + classes[static_cast<size_t>(truth)];
        draw::text(cr, t, cx, cy);
        cx += draw::text_width(cr, t) + 16;
      }
      if (guess >= 0) {
        bool right = guess == truth;
        if (truth >= 0) ++judged, correct += right ? 1 : 0;
        if (truth >= 0 && right) cairo_set_source_rgb(cr, 0.1, 0.55, 0.2);
        else if (truth >= 0) cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
        else cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        draw::text(cr, "predicted: " + classes[static_cast<size_t>(guess)], cx, cy);
      }
    }
    // Header last: it reports the score counted while drawing the rows.
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    std::string title = job.name() + ": " + split_text + " samples " + o.indices;
    if (judged > 0) title += " (" + std::to_string(correct) + " of " + std::to_string(judged) + " predicted right)";
    draw::title(cr, {0, 0, static_cast<double>(w), 30}, title, 15);
    draw::set_font(cr, 11, true);
    for (size_t c = 0; c < columns.size(); ++c) {
      double x = label_w + (cell + gap) * static_cast<double>(c);
      draw::text(cr, draw::fit_text(cr, columns[c].name + " (" + columns[c].renderer + ")", cell), x + cell / 2, header - 10, 0.5);
    }
  });
  written.push_back(sheet);
  spdlog::info("rendered {} samples x {} tensors into {}", samples.size(), columns.size(), o.out_dir.string());
  return written;
}

}  // namespace hearth
