#include "engine/params/host_keys.hpp"

#include <map>
#include <optional>

namespace hearth {
namespace {

using Op = TransformStep::Op;

/// A [low, high] pair of a transform: exactly two numbers, low <= high (and above 0 for ratios).
KeyTable<TransformStep>::Apply bounds(const char* key, double TransformStep::*low, double TransformStep::*high, bool positive) {
  return [=](TransformStep& s, const ParamValue& v) {
    const auto& pair = std::get<std::vector<double>>(v);
    if (pair.size() != 2 || pair[0] > pair[1] || (positive && pair[0] <= 0))
      throw UsageError(std::string("random_resized_crop ") + key + " needs two numbers, low then high" +
                       (positive ? ", above 0" : ""));
    s.*low = pair[0];
    s.*high = pair[1];
  };
}

KeyTable<TransformStep> transform_table(Op op) {
  KeyTable<TransformStep> t("transforms");
  t.text("tensor", &TransformStep::tensor, "", "The input tensor it transforms (a dataset tensor's name); empty: every [C, H, W] input");
  switch (op) {
    case Op::resize:
      t.integer("size", &TransformStep::size, std::nullopt, "The shorter side becomes size pixels; the longer keeps the aspect ratio", 1.0);
      break;
    case Op::center_crop:
      t.integer("size", &TransformStep::size, std::nullopt, "The central size x size square (zeros around a smaller image)", 1.0);
      break;
    case Op::random_resized_crop:
      t.integer("size", &TransformStep::size, std::nullopt, "Side of the square the crop is resized to", 1.0)
          .custom(key_row("scale", HEARTH_PARAM_FLOAT_LIST, "[0.08, 1.0]", "Lower and upper bound of the crop's share of the image's area",
                          0.0, 1.0),
                  bounds("scale", &TransformStep::scale_min, &TransformStep::scale_max, false))
          .custom(key_row("ratio", HEARTH_PARAM_FLOAT_LIST, "[0.75, 1.3333333333333333]",
                          "Lower and upper bound of the crop's aspect ratio (w / h)", 0.0),
                  bounds("ratio", &TransformStep::ratio_min, &TransformStep::ratio_max, true));
      break;
    case Op::horizontal_flip:
      t.number("p", &TransformStep::p, 0.5, "Probability of mirroring left-right", 0.0, 1.0);
      break;
    case Op::random_crop:
      t.integer("size", &TransformStep::size, 0, "Side of the square cut at a random place; 0: the image's own size", 0.0)
          .integer("padding", &TransformStep::padding, 0, "Pixels added on every side before the cut (a shift of up to that much)", 0.0)
          .choice<TransformStep::Padding>("padding_mode", &TransformStep::padding_mode,
                                          {{"constant", TransformStep::Padding::constant},
                                           {"edge", TransformStep::Padding::edge},
                                           {"reflect", TransformStep::Padding::reflect}},
                                          "constant", "What fills the padding: zeros, the edge pixels or a mirror");
      break;
    case Op::color_jitter:
      t.number("brightness", &TransformStep::brightness, 0.0, "Brightness factor drawn from [max(0, 1 - x), 1 + x]", 0.0)
          .number("contrast", &TransformStep::contrast, 0.0, "Contrast factor drawn from [max(0, 1 - x), 1 + x]", 0.0)
          .number("saturation", &TransformStep::saturation, 0.0, "Saturation factor drawn from [max(0, 1 - x), 1 + x]", 0.0);
      break;
    case Op::normalize:
      t.custom(key_row("mean", HEARTH_PARAM_FLOAT_LIST, std::nullopt, "Per channel, subtracted from the image in [0, 1]"),
               [](TransformStep& s, const ParamValue& v) { s.mean = std::get<std::vector<double>>(v); })
          .custom(key_row("std", HEARTH_PARAM_FLOAT_LIST, std::nullopt, "Per channel, what the difference is divided by", 0.0),
                  [](TransformStep& s, const ParamValue& v) { s.std = std::get<std::vector<double>>(v); });
      break;
  }
  return t;
}

}  // namespace

const KeyTable<GeneralOptions>& job_keys() {
  static const KeyTable<GeneralOptions> t = [] {
    KeyTable<GeneralOptions> k("job");
    k.text("name", &GeneralOptions::name, "",
           "Name of the job, [A-Za-z0-9][A-Za-z0-9._-]*: the runs folder groups its runs in a folder of that name "
           "(default: the file name)")
        .integer("seed", &GeneralOptions::seed, 0, "Seed of every random choice: two runs with one seed give identical metrics")
        .custom(key_row("device", HEARTH_PARAM_STRING, "\"auto\"", "auto (CUDA when present), cpu, cuda or cuda:N"),
                [](GeneralOptions& g, const ParamValue& v) { g.device = parse_device_request(std::get<std::string>(v)); })
        .text("runs", &GeneralOptions::runs, "runs", "Folder of the runs, relative to the job file")
        .integer("threads", &GeneralOptions::threads, 0, "LibTorch intra-op threads; 0 keeps LibTorch's choice", 0.0, 1024.0);
    return k;
  }();
  return t;
}

const KeyTable<ModelInit>& model_keys() {
  static const KeyTable<ModelInit> t = [] {
    KeyTable<ModelInit> k("model");
    k.text("init", &ModelInit::source, "",
           "Weights a new run starts from: a state_dict .pt saved by torch.save(model.state_dict()), a .safetensors file, "
           "or run:RUN[:best|last] (another run's checkpoint, default best); paths relative to the job file. Resume ignores it")
        .flag("strict", &ModelInit::strict, true,
              "With init: every parameter and buffer must be in the file with its shape, and nothing else (false: load what "
              "matches and list the rest)");
    return k;
  }();
  return t;
}

const KeyTable<DataOptions>& dataset_keys() {
  static const KeyTable<DataOptions> t = [] {
    KeyTable<DataOptions> k("dataset");
    k.integer("batch_size", &DataOptions::batch_size, 64, "Samples per batch", 1.0)
        .flag("shuffle", &DataOptions::shuffle, true, "Shuffle the train split each epoch (seeded)")
        .number("valid_fraction", &DataOptions::valid_fraction, 0.0,
                "When > 0, this share of the train split becomes the valid split (seeded); else the dataset's own", 0.0, 0.9)
        .number("subsample", &DataOptions::subsample, 1.0, "Share of each split to use", 0.0, 1.0)
        .integer("workers", &DataOptions::workers, 2, "Threads fetching samples when the dataset has no batch fetch", 0.0, 64.0)
        .choice<bool>("bad_samples", &DataOptions::skip_bad_samples, {{"stop", false}, {"skip", true}}, "stop",
                      "A sample that cannot be read or decoded: stop the job naming it (stop), or leave it out of its batch, "
                      "count it per epoch in metrics.csv (bad_samples) and name it in the log (skip)")
        .custom(key_row("augment_flip", HEARTH_PARAM_BOOL, "false",
                        "Train batches only: mirror each image input left-right with probability 1/2 (seeded)"),
                [](DataOptions& d, const ParamValue& v) { d.augmentation.flip = std::get<bool>(v); })
        .custom(key_row("augment_shift", HEARTH_PARAM_INT, "0",
                        "Train batches only: move each image input by up to this many pixels (edges replicated; seeded)", 0.0,
                        64.0),
                [](DataOptions& d, const ParamValue& v) { d.augmentation.shift = std::get<int64_t>(v); });
    return k;
  }();
  return t;
}

const KeyTable<TransformStep>& transform_keys(TransformStep::Op op) {
  static const std::map<Op, KeyTable<TransformStep>> tables = [] {
    std::map<Op, KeyTable<TransformStep>> m;
    for (Op o : {Op::resize, Op::center_crop, Op::random_resized_crop, Op::horizontal_flip, Op::random_crop, Op::color_jitter,
                 Op::normalize})
      m.emplace(o, transform_table(o));
    return m;
  }();
  return tables.at(op);
}

const KeyTable<LossOptions>& loss_keys() {
  static const KeyTable<LossOptions> t = [] {
    KeyTable<LossOptions> k("losses");
    k.number("weight", &LossOptions::weight, 1.0, "Factor of this loss in the sum", 0.0)
        .integer("output", &LossOptions::output, 0, "Which model output this loss reads", 0.0)
        .integer("target", &LossOptions::target, 0, "Which target tensor of the sample this loss reads", 0.0);
    return k;
  }();
  return t;
}

const KeyTable<AnalyzerOptions>& analyzer_keys() {
  static const KeyTable<AnalyzerOptions> t = [] {
    KeyTable<AnalyzerOptions> k("analyzers");
    k.choice<std::optional<SplitName>>("split", &AnalyzerOptions::split,
                                       {{"train", SplitName::train},
                                        {"valid", SplitName::valid},
                                        {"test", SplitName::test},
                                        {"all", std::nullopt}},
                                       "train", "Which split the analyzer sees (hearth analyze --split overrides)");
    return k;
  }();
  return t;
}

const KeyTable<RenderTableOptions>& render_keys() {
  static const KeyTable<RenderTableOptions> t = [] {
    KeyTable<RenderTableOptions> k("renders");
    k.text("tensor", &RenderTableOptions::tensor, "",
           "Tensor this renderer draws: a dataset tensor's name, prediction (prediction.N for several outputs); "
           "empty: every tensor without a renderer of its own");
    return k;
  }();
  return t;
}

const KeyTable<DiagnosticOptions>& diagnostic_keys() {
  static const KeyTable<DiagnosticOptions> t = [] {
    KeyTable<DiagnosticOptions> k("diagnostics");
    k.integer("every", &DiagnosticOptions::every, 1, "Run after every this many epochs (and never in between)", 1.0)
        .choice<SplitName>("split", &DiagnosticOptions::split,
                           {{"train", SplitName::train}, {"valid", SplitName::valid}, {"test", SplitName::test}}, "valid",
                           "Split the samples come from")
        .integer("samples", &DiagnosticOptions::samples, 64,
                 "How many samples it looks at: the same ones, seeded by the job's seed, at every epoch", 1.0, 4096.0)
        .integer("width", &DiagnosticOptions::width, 800, "Width of its pictures in pixels", 64.0, 4096.0)
        .integer("height", &DiagnosticOptions::height, 600, "Height of its pictures in pixels", 64.0, 4096.0);
    return k;
  }();
  return t;
}

const KeyTable<MetricOptions>& metric_keys() {
  static const KeyTable<MetricOptions> t = [] {
    KeyTable<MetricOptions> k("metrics");
    k.integer("output", &MetricOptions::output, 0, "Which model output this metric reads", 0.0)
        .integer("target", &MetricOptions::target, 0, "Which target tensor of the sample this metric reads", 0.0);
    return k;
  }();
  return t;
}

const KeyTable<DistributedOptions>& distributed_keys() {
  static const KeyTable<DistributedOptions> t = [] {
    KeyTable<DistributedOptions> k("distributed");
    k.text("backend", &DistributedOptions::backend, "auto",
           "Collectives: auto (NCCL on CUDA, Gloo on CPU), gloo or nccl; none: each process a launcher started trains "
           "alone, in a run of its own",
           {"auto", "gloo", "nccl", "none"})
        .integer("port", &DistributedOptions::port, 29500, "Rendezvous port on rank 0's machine when the launcher sets no MASTER_PORT",
                 1.0, 65535.0)
        .integer("timeout_seconds", &DistributedOptions::timeout_seconds, 120,
                 "A rank that does not answer for this long while training ends every rank with an error naming it", 1.0, 86400.0)
        .integer("join_timeout_seconds", &DistributedOptions::join_timeout_seconds, 600,
                 "How long ranks wait for each other to start (the rendezvous, then each rank's plugins, data and run "
                 "folder before the first step); one that has not arrived by then is named",
                 1.0, 86400.0)
        .number("bucket_mb", &DistributedOptions::bucket_mb, 25.0,
                "Megabytes of gradients all-reduced together (PyTorch DDP's bucket_cap_mb)", 0.01, 1024.0);
    return k;
  }();
  return t;
}

const KeyTable<ExportStepOptions>& export_keys() {
  static const KeyTable<ExportStepOptions> t = [] {
    KeyTable<ExportStepOptions> k("export");
    k.texts("formats", &ExportStepOptions::formats, {"torchscript", "state_dict", "safetensors"},
            "Formats written when training ends (see docs/export.md); onnx needs python3-torch and python3-onnx",
            {"torchscript", "state_dict", "safetensors", "onnx", "all"})
        .choice<CheckpointName>("checkpoint", &ExportStepOptions::checkpoint,
                                {{"best", CheckpointName::best}, {"last", CheckpointName::last}}, "best", "The checkpoint exported")
        .text("out", &ExportStepOptions::out, "",
              "Folder of the files and manifest.json, relative to the run folder (default export-<checkpoint>)");
    return k;
  }();
  return t;
}

const KeyTable<TrainOptions>& train_keys() {
  static const KeyTable<TrainOptions> t = [] {
    KeyTable<TrainOptions> k("train");
    k.integer("epochs", &TrainOptions::epochs, 10, "Epochs to train", 0.0)
        .integer("max_steps", &TrainOptions::max_steps, 0, "Stop after this many optimizer steps; 0: no limit", 0.0)
        .integer("validate_every", &TrainOptions::validate_every, 1, "Validate every N epochs (and after the last)", 1.0)
        .integer("validate_every_steps", &TrainOptions::validate_every_steps, 0,
                 "Also validate every N optimizer steps inside epochs (valid_steps.csv, the by-step plot), save the "
                 "`last` checkpoint there and `best` when the monitored valid.* value improved; early stopping counts "
                 "these validations too; 0: at epoch ends only",
                 0.0)
        .text("monitor", &TrainOptions::monitor, "valid.loss",
              "Value that picks the best checkpoint and drives early stopping, e.g. valid.accuracy")
        .choice<MonitorMode>("mode", &TrainOptions::mode,
                             {{"auto", MonitorMode::automatic}, {"min", MonitorMode::min}, {"max", MonitorMode::max}}, "auto",
                             "Whether lower or higher monitor values are better")
        .integer("patience", &TrainOptions::patience, 0, "Early stopping: validations without improvement (epochs, and those inside epochs with validate_every_steps); 0 disables", 0.0)
        .number("min_delta", &TrainOptions::min_delta, 0.0, "Early stopping: smallest change that counts as improvement", 0.0)
        .number("clip_norm", &TrainOptions::clip_norm, 0.0, "Clip the gradient norm to this; 0 disables", 0.0)
        .number("clip_value", &TrainOptions::clip_value, 0.0, "Clip each gradient element to +-this; 0 disables", 0.0)
        .integer("accumulate", &TrainOptions::accumulate, 1, "Batches whose gradients add up before one optimizer step", 1.0)
        .choice<bool>("nan_policy", &TrainOptions::skip_nan, {{"stop", false}, {"skip", true}}, "stop",
                      "On a NaN or infinite loss: stop the run, or skip the step and count it")
        .choice<bool>("precision", &TrainOptions::bf16, {{"fp32", false}, {"bf16", true}}, "fp32",
                      "fp32, or bf16 autocast where LibTorch supports it")
        .integer("log_every", &TrainOptions::log_every, 50, "Batches between two progress lines when not on a terminal", 1.0)
        .number("ema", &TrainOptions::ema, 0.0,
                "Exponential moving average of the weights and buffers, with this decay per optimizer step (e.g. "
                "0.999); validation, best, eval, export and diagnostics use the average. 0 disables",
                0.0, 0.999999)
        .integer("ema_start", &TrainOptions::ema_start, 0,
                 "Optimizer steps before the average starts: until then it follows the weights", 0.0);
    return k;
  }();
  return t;
}

}  // namespace hearth
