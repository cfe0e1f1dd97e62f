#include "engine/params/host_schemas.hpp"

#include <optional>

namespace hearth {
namespace {

ParamInfo p(const char* key, hearth_param_type type, std::optional<std::string> def, const char* doc,
            std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
            std::vector<std::string> choices = {}) {
  ParamInfo info;
  info.key = key;
  info.type = type;
  info.default_toml = std::move(def);
  info.doc = doc;
  info.min = min;
  info.max = max;
  info.choices = std::move(choices);
  return info;
}

}  // namespace

std::vector<ParamInfo> job_schema() {
  return {p("name", HEARTH_PARAM_STRING, "\"\"",
            "Name of the job, [A-Za-z0-9][A-Za-z0-9._-]*: the runs folder groups its runs in a folder of that name "
            "(default: the file name)"),
          p("seed", HEARTH_PARAM_INT, "0", "Seed of every random choice: two runs with one seed give identical metrics"),
          p("device", HEARTH_PARAM_STRING, "\"auto\"", "auto (CUDA when present), cpu, cuda or cuda:N"),
          p("runs", HEARTH_PARAM_STRING, "\"runs\"", "Folder of the runs, relative to the job file"),
          p("threads", HEARTH_PARAM_INT, "0", "LibTorch intra-op threads; 0 keeps LibTorch's choice", 0.0, 1024.0)};
}

std::vector<ParamInfo> model_host_schema() {
  return {p("init", HEARTH_PARAM_STRING, "\"\"",
            "Weights a new run starts from: a state_dict .pt saved by torch.save(model.state_dict()), a .safetensors file, "
            "or run:RUN[:best|last] (another run's checkpoint, default best); paths relative to the job file. Resume ignores it"),
          p("strict", HEARTH_PARAM_BOOL, "true",
            "With init: every parameter and buffer must be in the file with its shape, and nothing else (false: load what "
            "matches and list the rest)")};
}

std::vector<ParamInfo> dataset_host_schema() {
  return {p("batch_size", HEARTH_PARAM_INT, "64", "Samples per batch", 1.0),
          p("shuffle", HEARTH_PARAM_BOOL, "true", "Shuffle the train split each epoch (seeded)"),
          p("valid_fraction", HEARTH_PARAM_FLOAT, "0.0",
            "When > 0, this share of the train split becomes the valid split (seeded); else the dataset's own", 0.0, 0.9),
          p("subsample", HEARTH_PARAM_FLOAT, "1.0", "Share of each split to use", 0.0, 1.0),
          p("workers", HEARTH_PARAM_INT, "2", "Threads fetching samples when the dataset has no batch fetch", 0.0, 64.0),
          p("bad_samples", HEARTH_PARAM_STRING, "\"stop\"",
            "A sample that cannot be read or decoded: stop the job naming it (stop), or leave it out of its batch, count it "
            "per epoch in metrics.csv (bad_samples) and name it in the log (skip)",
            {}, {}, {"stop", "skip"}),
          p("augment_flip", HEARTH_PARAM_BOOL, "false",
            "Train batches only: mirror each image input left-right with probability 1/2 (seeded)"),
          p("augment_shift", HEARTH_PARAM_INT, "0",
            "Train batches only: move each image input by up to this many pixels (edges replicated; seeded)", 0.0, 64.0)};
}

std::vector<ParamInfo> transform_schema(const std::string& op) {
  std::vector<ParamInfo> s = {
      p("tensor", HEARTH_PARAM_STRING, "\"\"", "The input tensor it transforms (a dataset tensor's name); empty: every [C, H, W] input")};
  auto add = [&](std::vector<ParamInfo> more) { s.insert(s.end(), more.begin(), more.end()); };
  if (op == "resize")
    add({p("size", HEARTH_PARAM_INT, std::nullopt, "The shorter side becomes size pixels; the longer keeps the aspect ratio", 1.0)});
  if (op == "center_crop")
    add({p("size", HEARTH_PARAM_INT, std::nullopt, "The central size x size square (zeros around a smaller image)", 1.0)});
  if (op == "random_resized_crop")
    add({p("size", HEARTH_PARAM_INT, std::nullopt, "Side of the square the crop is resized to", 1.0),
         p("scale", HEARTH_PARAM_FLOAT_LIST, "[0.08, 1.0]", "Lower and upper bound of the crop's share of the image's area", 0.0, 1.0),
         p("ratio", HEARTH_PARAM_FLOAT_LIST, "[0.75, 1.3333333333333333]", "Lower and upper bound of the crop's aspect ratio (w / h)",
           0.0)});
  if (op == "horizontal_flip") add({p("p", HEARTH_PARAM_FLOAT, "0.5", "Probability of mirroring left-right", 0.0, 1.0)});
  if (op == "random_crop")
    add({p("size", HEARTH_PARAM_INT, "0", "Side of the square cut at a random place; 0: the image's own size", 0.0),
         p("padding", HEARTH_PARAM_INT, "0", "Pixels added on every side before the cut (a shift of up to that much)", 0.0),
         p("padding_mode", HEARTH_PARAM_STRING, "\"constant\"", "What fills the padding: zeros, the edge pixels or a mirror", {}, {},
           {"constant", "edge", "reflect"})});
  if (op == "color_jitter")
    add({p("brightness", HEARTH_PARAM_FLOAT, "0.0", "Brightness factor drawn from [max(0, 1 - x), 1 + x]", 0.0),
         p("contrast", HEARTH_PARAM_FLOAT, "0.0", "Contrast factor drawn from [max(0, 1 - x), 1 + x]", 0.0),
         p("saturation", HEARTH_PARAM_FLOAT, "0.0", "Saturation factor drawn from [max(0, 1 - x), 1 + x]", 0.0)});
  if (op == "normalize")
    add({p("mean", HEARTH_PARAM_FLOAT_LIST, std::nullopt, "Per channel, subtracted from the image in [0, 1]"),
         p("std", HEARTH_PARAM_FLOAT_LIST, std::nullopt, "Per channel, what the difference is divided by", 0.0)});
  return s;
}

std::vector<ParamInfo> loss_host_schema() {
  return {p("weight", HEARTH_PARAM_FLOAT, "1.0", "Factor of this loss in the sum", 0.0),
          p("output", HEARTH_PARAM_INT, "0", "Which model output this loss reads", 0.0),
          p("target", HEARTH_PARAM_INT, "0", "Which target tensor of the sample this loss reads", 0.0)};
}

std::vector<ParamInfo> analyzer_host_schema() {
  return {p("split", HEARTH_PARAM_STRING, "\"train\"", "Which split the analyzer sees (hearth analyze --split overrides)", {}, {},
            {"train", "valid", "test", "all"})};
}

std::vector<ParamInfo> render_host_schema() {
  return {p("tensor", HEARTH_PARAM_STRING, "\"\"",
            "Tensor this renderer draws: a dataset tensor's name, prediction (prediction.N for several outputs); "
            "empty: every tensor without a renderer of its own")};
}

std::vector<ParamInfo> metric_host_schema() {
  return {p("output", HEARTH_PARAM_INT, "0", "Which model output this metric reads", 0.0),
          p("target", HEARTH_PARAM_INT, "0", "Which target tensor of the sample this metric reads", 0.0)};
}

std::vector<ParamInfo> distributed_schema() {
  return {p("backend", HEARTH_PARAM_STRING, "\"auto\"", "Collectives: auto (NCCL on CUDA, Gloo on CPU), gloo or nccl", {}, {},
            {"auto", "gloo", "nccl"}),
          p("port", HEARTH_PARAM_INT, "29500", "Rendezvous port on rank 0's machine when the launcher sets no MASTER_PORT",
            1.0, 65535.0),
          p("timeout_seconds", HEARTH_PARAM_INT, "120",
            "A rank that does not answer for this long while training ends every rank with an error naming it", 1.0,
            86400.0),
          p("join_timeout_seconds", HEARTH_PARAM_INT, "600",
            "How long ranks wait for each other to start (the rendezvous, then each rank's plugins, data and run "
            "folder before the first step); one that has not arrived by then is named",
            1.0, 86400.0),
          p("bucket_mb", HEARTH_PARAM_FLOAT, "25.0", "Megabytes of gradients all-reduced together (PyTorch DDP's bucket_cap_mb)",
            0.01, 1024.0)};
}

std::vector<ParamInfo> export_schema() {
  return {p("formats", HEARTH_PARAM_STRING_LIST, "[\"torchscript\", \"state_dict\", \"safetensors\"]",
            "Formats written when training ends (see docs/export.md); onnx needs python3-torch and python3-onnx", {}, {},
            {"torchscript", "state_dict", "safetensors", "onnx", "all"}),
          p("checkpoint", HEARTH_PARAM_STRING, "\"best\"", "The checkpoint exported", {}, {}, {"best", "last"}),
          p("out", HEARTH_PARAM_STRING, "\"\"",
            "Folder of the files and manifest.json, relative to the run folder (default export-<checkpoint>)")};
}

std::vector<ParamInfo> train_schema() {
  return {p("epochs", HEARTH_PARAM_INT, "10", "Epochs to train", 0.0),
          p("max_steps", HEARTH_PARAM_INT, "0", "Stop after this many optimizer steps; 0: no limit", 0.0),
          p("validate_every", HEARTH_PARAM_INT, "1", "Validate every N epochs (and after the last)", 1.0),
          p("monitor", HEARTH_PARAM_STRING, "\"valid.loss\"",
            "Value that picks the best checkpoint and drives early stopping, e.g. valid.accuracy"),
          p("mode", HEARTH_PARAM_STRING, "\"auto\"", "Whether lower or higher monitor values are better", {}, {},
            {"auto", "min", "max"}),
          p("patience", HEARTH_PARAM_INT, "0", "Early stopping: epochs without improvement; 0 disables", 0.0),
          p("min_delta", HEARTH_PARAM_FLOAT, "0.0", "Early stopping: smallest change that counts as improvement", 0.0),
          p("clip_norm", HEARTH_PARAM_FLOAT, "0.0", "Clip the gradient norm to this; 0 disables", 0.0),
          p("clip_value", HEARTH_PARAM_FLOAT, "0.0", "Clip each gradient element to +-this; 0 disables", 0.0),
          p("accumulate", HEARTH_PARAM_INT, "1", "Batches whose gradients add up before one optimizer step", 1.0),
          p("nan_policy", HEARTH_PARAM_STRING, "\"stop\"",
            "On a NaN or infinite loss: stop the run, or skip the step and count it", {}, {}, {"stop", "skip"}),
          p("precision", HEARTH_PARAM_STRING, "\"fp32\"", "fp32, or bf16 autocast where LibTorch supports it", {}, {},
            {"fp32", "bf16"}),
          p("log_every", HEARTH_PARAM_INT, "50", "Batches between two progress lines when not on a terminal", 1.0)};
}

}  // namespace hearth
