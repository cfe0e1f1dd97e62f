// `bounding_box`: boxes ([N, 4], or [N, 5..6] with a class and a score) drawn over the sample's
// image.
#include <hearth/plugin.hpp>

#include <cstdio>

#include "image_paint.hpp"

namespace {

namespace draw = hearth::draw;

class BoundingBox : public hearth::Renderer {
 public:
  static hearth::Schema schema() {
    return {
        hearth::Param::string("format", "xyxy").choices({"xyxy", "xywh", "cxcywh"}).doc(
            "Box coordinates: corners, corner and size, or centre and size"),
        hearth::Param::boolean("normalized", false).doc("Coordinates are fractions of the image size"),
        hearth::Param::string("image", "").doc("Sample tensor drawn underneath; empty: the first input"),
        hearth::Param::number("min_score", 0.0).range(0, 1).doc("Boxes with a lower score (column 5) are hidden"),
    };
  }
  explicit BoundingBox(const hearth::Params& p)
      : format_(p.get<std::string>("format")),
        normalized_(p.get<bool>("normalized")),
        image_(p.get<std::string>("image")),
        min_score_(p.get<double>("min_score")) {}

  void render(cairo_t* cr, int width, int height, const torch::Tensor& tensor, const hearth::RenderContext& ctx) override {
    torch::Tensor boxes = tensor.detach().to(torch::kCPU, torch::kFloat64);
    if (boxes.dim() == 1 && boxes.numel() >= 4) boxes = boxes.unsqueeze(0);
    if (boxes.dim() != 2 || boxes.size(1) < 4)
      throw std::invalid_argument("bounding_box draws [N, 4] boxes (or [N, 5|6] with class and score), got shape " +
                                  hearth_builtin::shape_text(tensor));
    torch::Tensor picture;
    for (size_t i = 0; i < ctx.sample.size() && i < ctx.tensor_names.size(); ++i)
      if (i != ctx.tensor_index && (image_.empty() ? ctx.sample[i].dim() >= 2 : ctx.tensor_names[i] == image_)) {
        picture = ctx.sample[i];
        break;
      }
    if (!picture.defined())
      throw std::invalid_argument(image_.empty() ? "bounding_box found no image in the sample to draw the boxes on"
                                                 : "bounding_box: the sample has no tensor named '" + image_ + "'");
    if (picture.dim() == 2) picture = picture.unsqueeze(0);
    if (picture.size(0) != 1 && picture.size(0) != 3) picture = picture.slice(0, 0, 1);
    hearth_builtin::clear(cr);
    hearth_builtin::Placement p =
        hearth_builtin::paint_image(cr, {0, 0, static_cast<double>(width), static_cast<double>(height)},
                                    hearth_builtin::unit_range(picture, true), "gray");
    double img_w = static_cast<double>(picture.size(2)), img_h = static_cast<double>(picture.size(1));
    auto acc = boxes.accessor<double, 2>();
    draw::set_font(cr, 11, true);
    for (int64_t i = 0; i < boxes.size(0); ++i) {
      if (boxes.size(1) >= 6 && acc[i][5] < min_score_) continue;
      double a = acc[i][0], b = acc[i][1], c = acc[i][2], d = acc[i][3];
      if (normalized_) a *= img_w, c *= img_w, b *= img_h, d *= img_h;
      double x0 = a, y0 = b, x1 = c, y1 = d;
      if (format_ == "xywh") x1 = a + c, y1 = b + d;
      if (format_ == "cxcywh") x0 = a - c / 2, y0 = b - d / 2, x1 = a + c / 2, y1 = b + d / 2;
      int64_t cls = boxes.size(1) >= 5 ? static_cast<int64_t>(acc[i][4]) : -1;
      draw::set_colour(cr, draw::palette_colour(static_cast<size_t>(std::max<int64_t>(cls, 0))));
      cairo_set_line_width(cr, 2);
      cairo_rectangle(cr, p.left + x0 * p.scale, p.top + y0 * p.scale, (x1 - x0) * p.scale, (y1 - y0) * p.scale);
      cairo_stroke(cr);
      std::string label;
      if (cls >= 0) label = static_cast<size_t>(cls) < ctx.class_names.size() ? ctx.class_names[static_cast<size_t>(cls)] : std::to_string(cls);
      if (boxes.size(1) >= 6) {
        char b2[16];
        std::snprintf(b2, sizeof b2, " %.0f%%", 100 * acc[i][5]);
        label += b2;
      }
      if (!label.empty()) draw::text(cr, label, p.left + x0 * p.scale + 2, p.top + y0 * p.scale - 3);
    }
  }

 private:
  std::string format_;
  bool normalized_;
  std::string image_;
  double min_score_;
};

}  // namespace

HEARTH_REGISTER(BoundingBox, "bounding_box", "Draw boxes over the sample's image",
                "Boxes are rows of [x0, y0, x1, y1] (or xywh, cxcywh), optionally followed by a class index\n"
                "and a score, in pixels or (normalized) fractions of the image; drawn coloured by class over\n"
                "the sample's image (the first other tensor with two or more dimensions, or `image`).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
