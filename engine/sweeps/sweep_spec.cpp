#include "engine/sweeps/sweep_spec.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/params/host_keys.hpp"
#include "engine/core/regular_file.hpp"
#include "engine/params/suggest.hpp"
#include "engine/sweeps/sweep_trials.hpp"

namespace hearth {
namespace {

// Bounds that keep a sweep's folder and index of a size a person meant: a grid of a million
// trials is a typo, never a plan.
constexpr int64_t kMaxTrials = 100000;
constexpr int64_t kMaxRepeats = 1000;

const std::vector<std::string> kSweepKeys = {"job", "method", "trials", "repeats", "seed", "metric", "mode", "parameters", "prune"};
const std::vector<std::string> kRangeKeys = {"min", "max", "log", "integer", "count", "values"};
const std::vector<std::string> kPruneKeys = {"rule", "warmup", "min_trials"};

/// A string as TOML writes it, quoted and escaped.
std::string quoted(const std::string& text) {
  std::ostringstream os;
  os << toml::value<std::string>(text);
  return os.str();
}

/// The TOML text of a value node, compact and as a person writes it: "0.1" (not toml++'s
/// "0.10000000000000001"), "[512, 256]", "{ plugin = 'cnn' }".
std::string node_text(const toml::node& node) {
  if (const toml::table* t = node.as_table()) {
    std::string out = "{ ";
    bool first = true;
    for (const auto& [k, v] : *t) {
      out += (first ? "" : ", ") + quoted(std::string(k.str())) + " = " + node_text(v);
      first = false;
    }
    return out + (first ? "}" : " }");
  }
  if (const toml::array* a = node.as_array()) {
    std::string out = "[";
    for (size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + node_text(*a->get(i));
    return out + "]";
  }
  if (const auto* f = node.as_floating_point()) return sweep_float_text(f->get());
  std::ostringstream os;
  node.visit([&](const auto& v) { os << toml::toml_formatter(v); });
  return os.str();
}

/// Collects every problem of a sweep so that the user fixes them in one go.
class SweepReader {
 public:
  explicit SweepReader(std::string file) : file_(std::move(file)) {}

  std::string at(const toml::source_region& r) const {
    return r.begin.line ? file_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) : file_;
  }
  void error(const toml::source_region& r, const std::string& message) { errors_.push_back(at(r) + ": " + message); }
  void error(const std::string& message) { errors_.push_back(file_ + ": " + message); }

  void unknown_keys(const toml::table& t, const std::string& table, const std::vector<std::string>& known) {
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(known.begin(), known.end(), key) == known.end())
        error(k.source(), "[" + table + "] has no key '" + printable(key) + "'" + did_you_mean(key, known));
    }
  }

  std::optional<int64_t> integer(const toml::table& t, const std::string& table, const char* key, int64_t lo, int64_t hi) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      error(n->source(), "[" + table + "] " + key + " must be an integer");
      return std::nullopt;
    }
    const int64_t v = *n->value<int64_t>();
    if (v < lo || v > hi) {
      error(n->source(), "[" + table + "] " + key + " = " + std::to_string(v) + " must be between " + std::to_string(lo) +
                             " and " + std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> text(const toml::table& t, const std::string& table, const char* key,
                                  const std::vector<std::string>& choices = {}) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      error(n->source(), "[" + table + "] " + key + " must be a string");
      return std::nullopt;
    }
    std::string v = *n->value<std::string>();
    if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
      error(n->source(), "[" + table + "] " + key + " = \"" + printable(v) + "\" is not one of " + list + did_you_mean(v, choices));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> number(const toml::table& t, const std::string& where, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::optional<double> v;
    if (n->is_integer()) v = static_cast<double>(*n->value<int64_t>());
    else if (n->is_floating_point()) v = *n->value<double>();
    if (!v || !std::isfinite(*v)) {
      error(n->source(), where + ": " + key + " must be a finite number");
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> flag(const toml::table& t, const std::string& where, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      error(n->source(), where + ": " + key + " must be true or false");
      return std::nullopt;
    }
    return *n->value<bool>();
  }

  void finish() const {
    if (errors_.empty()) return;
    std::string all;
    for (const std::string& e : errors_) all += (all.empty() ? "" : "\n") + e;
    throw UsageError(all);
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

toml::table parse_file(const fs::path& file, const std::string& what) {
  require_regular_file(file, what);
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& r = e.source();
    throw UsageError(printable(file.string()) + (r.begin.line ? ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) : "") +
                     ": not valid TOML: " + std::string(e.description()));
  }
}

/// A key path --set can follow: dot-separated, no empty part, no '=' (which would end the path).
bool plain_key_path(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

void read_list(SweepReader& r, const toml::array& list, SweepParameter& p) {
  if (list.empty()) r.error(list.source(), "'" + p.key + "' has no values: give at least one");
  for (const toml::node& v : list) p.values.push_back({node_text(v), r.at(v.source())});
}

void read_range(SweepReader& r, const toml::table& t, SweepParameter& p, SweepMethod method) {
  const std::string where = "'" + p.key + "'";
  r.unknown_keys(t, "sweep.parameters." + p.key, kRangeKeys);
  if (const toml::node* values = t.get("values")) {
    if (t.size() > 1) r.error(t.source(), where + ": give values or a range (min, max), not both");
    if (const toml::array* a = values->as_array()) read_list(r, *a, p);
    else r.error(values->source(), where + ": values must be a list");
    return;
  }
  p.is_range = true;
  const auto lo = r.number(t, where, "min"), hi = r.number(t, where, "max");
  if (!lo || !hi) {
    if (!t.get("min") || !t.get("max")) r.error(t.source(), where + ": a range needs min and max, e.g. { min = 1e-5, max = 1e-2, log = true }");
    return;
  }
  p.min = *lo;
  p.max = *hi;
  p.log = r.flag(t, where, "log").value_or(false);
  p.integer = r.flag(t, where, "integer").value_or(false);
  if (p.min > p.max) r.error(t.source(), where + ": min is above max");
  if (p.log && p.min <= 0) r.error(t.source(), where + ": a log range needs min > 0");
  if (p.integer && (p.min != std::floor(p.min) || p.max != std::floor(p.max)))
    r.error(t.source(), where + ": an integer range needs whole min and max");
  const toml::node* count = t.get("count");
  if (method == SweepMethod::grid && !count)
    r.error(t.source(), where + ": a grid takes a range only with count = N (that many evenly spaced points); or use method = \"random\"");
  if (method == SweepMethod::random && count) r.error(count->source(), where + ": count is for grids; a random sweep draws from the whole range");
  if (count) {
    if (!count->is_integer() || *count->value<int64_t>() < 1 || *count->value<int64_t>() > kMaxTrials)
      r.error(count->source(), where + ": count must be an integer from 1 to " + std::to_string(kMaxTrials));
    else
      p.count = *count->value<int64_t>();
  }
}

std::vector<SweepParameter> read_parameters(SweepReader& r, const toml::table& sweep, SweepMethod method, int64_t repeats) {
  std::vector<std::pair<toml::source_position, SweepParameter>> read;
  const toml::node* node = sweep.get("parameters");
  const toml::table* params = node ? node->as_table() : nullptr;
  if (!params) {
    r.error(node ? node->source() : sweep.source(),
            "[sweep.parameters] must be a table of job keys and their values, e.g. \"optimizer.lr\" = [0.01, 0.001]");
    return {};
  }
  if (params->empty()) r.error(params->source(), "[sweep.parameters] names no key to sweep");
  for (const auto& [k, v] : *params) {
    SweepParameter p;
    p.key = std::string(k.str());
    p.origin = r.at(v.source());
    if (!plain_key_path(p.key)) {
      r.error(k.source(), "'" + printable(p.key) + "' is not a job key path like \"optimizer.lr\" or \"losses.0.weight\"");
      continue;
    }
    if (p.key.rfind("sweep.", 0) == 0 || p.key == "sweep") r.error(k.source(), "a sweep cannot sweep its own [sweep] table");
    if (p.key == "job.seed" && repeats > 1)
      r.error(k.source(), "'job.seed' is swept and repeats > 1 also sets the seed: keep one of them");
    if (const toml::array* a = v.as_array()) read_list(r, *a, p);
    else if (const toml::table* t = v.as_table()) read_range(r, *t, p, method);
    else r.error(v.source(), "'" + p.key + "' needs a list of values or a range { min, max }, not a single value");
    read.emplace_back(k.source().begin, std::move(p));
  }
  // toml++ keeps a table's keys sorted; the file's own order is the one a person reads.
  std::stable_sort(read.begin(), read.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<SweepParameter> out;
  for (auto& [where, p] : read) out.push_back(std::move(p));
  return out;
}

PruneOptions read_prune(SweepReader& r, const toml::table& sweep) {
  PruneOptions prune;
  const toml::node* node = sweep.get("prune");
  if (!node) return prune;
  const toml::table* t = node->as_table();
  if (!t) {
    r.error(node->source(), "[sweep.prune] must be a table, e.g. rule = \"median\"");
    return prune;
  }
  r.unknown_keys(*t, "sweep.prune", kPruneKeys);
  prune.rule = r.text(*t, "sweep.prune", "rule", {"none", "median"}).value_or("median");
  prune.warmup = r.integer(*t, "sweep.prune", "warmup", 0, 1000000).value_or(prune.warmup);
  prune.min_trials = r.integer(*t, "sweep.prune", "min_trials", 1, kMaxTrials).value_or(prune.min_trials);
  return prune;
}

/// Trials a sweep makes: grids multiply their value counts, random sweeps draw `trials` points.
long double trial_count(const SweepSpec& spec) {
  long double points = 1;
  if (spec.method == SweepMethod::random) return static_cast<long double>(spec.trials) * spec.repeats;
  for (const SweepParameter& p : spec.parameters)
    points *= static_cast<long double>(p.is_range ? p.count : static_cast<int64_t>(p.values.size()));
  return points * spec.repeats;
}

/// The job's own [job] seed and [train] monitor: the first repeat's seed and the default metric.
/// Trials record the direction of their own monitor only, so another metric needs its mode.
void read_job_defaults(const fs::path& job, const fs::path& sweep_file, SweepSpec& spec) {
  toml::table doc = job == sweep_file ? parse_file(job, "job") : parse_file(job, "job named by the sweep");
  const std::string name = printable(job.string());
  spec.job_seed = static_cast<int64_t>(job_keys().read(doc["job"].as_table(), name).seed);
  const std::string monitor = train_keys().read(doc["train"].as_table(), name).monitor;
  if (spec.metric.empty()) spec.metric = monitor;
  if (spec.metric != monitor && spec.mode == "auto")
    throw UsageError(printable(spec.file.string()) + ": [sweep] metric = \"" + printable(spec.metric) + "\" is not the job's [train] monitor (\"" +
                     printable(monitor) + "\"), whose direction the trials record: set mode = \"min\" or \"max\"");
}

}  // namespace

SweepSpec load_sweep(const fs::path& file) {
  SweepSpec spec;
  spec.file = fs::absolute(file).lexically_normal();
  const toml::table doc = parse_file(spec.file, "sweep");
  SweepReader r(printable(spec.file.string()));
  const toml::node* node = doc.get("sweep");
  const toml::table* sweep = node ? node->as_table() : nullptr;
  if (!sweep) {
    r.error(node ? node->source() : toml::source_region{},
            "has no [sweep] table: add one with [sweep.parameters] (see docs/sweeps.md), or run the job with `hearth run`");
    r.finish();
  }
  r.unknown_keys(*sweep, "sweep", kSweepKeys);
  spec.job = spec.file;
  if (auto job = r.text(*sweep, "sweep", "job")) {
    for (const auto& [k, v] : doc)
      if (k.str() != "sweep") r.error(k.source(), "a sweep file that names its job (job = ...) holds [sweep] only; [" +
                                                     printable(std::string(k.str())) + "] belongs in the job");
    spec.job = (spec.file.parent_path() / *job).lexically_normal();
  }
  spec.method = r.text(*sweep, "sweep", "method", {"grid", "random"}).value_or("grid") == "random" ? SweepMethod::random
                                                                                                    : SweepMethod::grid;
  spec.repeats = r.integer(*sweep, "sweep", "repeats", 1, kMaxRepeats).value_or(1);
  spec.seed = static_cast<uint64_t>(r.integer(*sweep, "sweep", "seed", 0, INT64_MAX).value_or(0));
  const auto trials = r.integer(*sweep, "sweep", "trials", 1, kMaxTrials);
  if (spec.method == SweepMethod::random) {
    if (!trials && !sweep->get("trials")) r.error(sweep->source(), "a random sweep needs trials = N (how many points to draw)");
    spec.trials = trials.value_or(0);
  } else if (const toml::node* t = sweep->get("trials")) {
    r.error(t->source(), "trials is for method = \"random\"; a grid runs every combination of its values");
  }
  spec.metric = r.text(*sweep, "sweep", "metric").value_or("");
  spec.mode = r.text(*sweep, "sweep", "mode", {"auto", "min", "max"}).value_or("auto");
  spec.parameters = read_parameters(r, *sweep, spec.method, spec.repeats);
  spec.prune = read_prune(r, *sweep);
  r.finish();
  read_job_defaults(spec.job, spec.file, spec);
  if (trial_count(spec) > kMaxTrials)
    throw UsageError(printable(spec.file.string()) + ": the sweep makes " + std::to_string(static_cast<double>(trial_count(spec))) +
                     " trials, more than " + std::to_string(kMaxTrials) + ": sweep fewer values, or use method = \"random\" with trials = N");
  return spec;
}

std::string sweep_toml(const SweepSpec& spec) {
  std::ostringstream os;
  auto number = [](double v) { return sweep_float_text(v); };
  os << "# Resolved sweep: every default filled in. Source: " << printable(spec.file.string()) << "\n\n"
     << "[sweep]\njob = " << quoted(spec.job.string()) << "\nmethod = \"" << (spec.method == SweepMethod::grid ? "grid" : "random")
     << "\"\n";
  if (spec.method == SweepMethod::random) os << "trials = " << spec.trials << "\n";
  os << "repeats = " << spec.repeats << "\nseed = " << spec.seed << "\nmetric = " << quoted(spec.metric) << "\nmode = \""
     << spec.mode << "\"\n\n[sweep.parameters]\n";
  for (const SweepParameter& p : spec.parameters) {
    os << quoted(p.key) << " = ";
    if (p.is_range) {
      os << "{ min = " << number(p.min) << ", max = " << number(p.max) << ", log = " << (p.log ? "true" : "false")
         << ", integer = " << (p.integer ? "true" : "false");
      if (p.count) os << ", count = " << p.count;
      os << " }\n";
      continue;
    }
    os << "[";
    for (size_t i = 0; i < p.values.size(); ++i) os << (i ? ", " : "") << p.values[i].toml;
    os << "]\n";
  }
  os << "\n[sweep.prune]\nrule = \"" << spec.prune.rule << "\"\nwarmup = " << spec.prune.warmup
     << "\nmin_trials = " << spec.prune.min_trials << "\n";
  return os.str();
}

}  // namespace hearth
