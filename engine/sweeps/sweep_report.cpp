#include "engine/sweeps/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "engine/core/byte_text.hpp"

namespace hearth {
namespace {

std::string number(std::optional<double> v, int digits = 5) {
  if (!v) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, *v);
  return buf;
}

/// Trials whose best value counts: finished ones, and running ones with the epochs they have.
bool scored(const TrialResult& t) { return t.best && (t.finished() || t.status == "running"); }

bool failed(const TrialResult& t) {
  return t.status == "failed" || t.status == "crashed" || t.status == "died" || t.status == "damaged" || t.status == "interrupted";
}

/// What keeps a point from being finished, the most telling first.
std::string point_status(const PointSummary& p) {
  for (const char* s : {"running", "failed", "crashed", "died", "damaged", "interrupted", "created", "pending"})
    for (const TrialResult* t : p.trials)
      if (t->status == s) return s;
  return "finished";
}

void summarise(PointSummary& p) {
  std::vector<double> best;
  double epochs = 0;
  for (const TrialResult* t : p.trials) {
    p.minutes += t->minutes;
    if (!scored(*t)) continue;
    best.push_back(*t->best);
    epochs += static_cast<double>(t->epochs);
  }
  p.status = point_status(p);
  p.scored = static_cast<int64_t>(best.size());
  if (best.empty()) return;
  double sum = 0;
  for (double b : best) sum += b;
  p.mean = sum / static_cast<double>(best.size());
  p.epochs = epochs / static_cast<double>(best.size());
  p.min = *std::min_element(best.begin(), best.end());
  p.max = *std::max_element(best.begin(), best.end());
  if (best.size() > 1) {
    double sq = 0;
    for (double b : best) sq += (b - *p.mean) * (b - *p.mean);
    p.stddev = std::sqrt(sq / static_cast<double>(best.size() - 1));
  }
}

std::string command_of(const SweepIndex& index, const PointSummary& p) {
  std::string cmd = "hearth run " + shell_word(index.job.string());
  for (const auto& [k, v] : p.values) cmd += " --set " + shell_word(k + "=" + v);
  return cmd;
}

std::map<std::string, int> status_counts(const SweepReport& r) {
  std::map<std::string, int> counts;
  for (const TrialResult& t : r.trials) ++counts[t.status];
  return counts;
}

std::string counts_line(const SweepReport& r) {
  std::string out;
  for (const auto& [status, n] : status_counts(r)) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + status;
  return out;
}

/// The report's table: a header row, then one row per point.
std::vector<std::vector<std::string>> table_rows(const SweepReport& r) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = {"rank", "point"};
  for (const std::string& k : r.index->keys) head.push_back(k);
  for (const char* h : {"mean", "sd", "min", "max", "trials", "epochs", "minutes", "status"}) head.emplace_back(h);
  rows.push_back(head);
  int rank = 0;
  for (const PointSummary& p : r.points) {
    std::vector<std::string> row = {p.mean ? std::to_string(++rank) : "-", std::to_string(p.point)};
    for (const auto& kv : p.values) row.push_back(kv.second);
    char minutes[32], epochs[32];
    std::snprintf(minutes, sizeof minutes, "%.2f", p.minutes);
    std::snprintf(epochs, sizeof epochs, "%.3g", p.epochs);
    row.insert(row.end(), {number(p.mean), number(p.stddev, 2), number(p.min), number(p.max),
                           std::to_string(p.scored) + "/" + std::to_string(p.trials.size()), p.scored ? epochs : "-", minutes,
                           p.status});
    rows.push_back(row);
  }
  return rows;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string direction(const SweepReport& r) { return r.maximize ? "higher is better" : "lower is better"; }

}  // namespace

std::string shell_word(const std::string& value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string("_-.=/:+,").find(c) != std::string::npos;
  });
  if (plain) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

SweepReport make_sweep_report(const SweepIndex& index) {
  SweepReport r;
  r.index = &index;
  r.maximize = sweep_direction(index);
  r.trials = read_trial_results(index, r.maximize);
  std::map<int64_t, PointSummary> points;
  for (const TrialResult& t : r.trials) {
    PointSummary& p = points[t.trial->point];
    p.point = t.trial->point;
    p.values = t.trial->values;
    p.trials.push_back(&t);
  }
  for (auto& [n, p] : points) {
    summarise(p);
    r.points.push_back(std::move(p));
  }
  std::stable_sort(r.points.begin(), r.points.end(), [&](const PointSummary& a, const PointSummary& b) {
    if (!a.mean || !b.mean) return a.mean.has_value() && !b.mean.has_value();
    return r.maximize ? *a.mean > *b.mean : *a.mean < *b.mean;
  });
  if (!r.points.empty() && r.points.front().mean) r.best_command = command_of(index, r.points.front());
  return r;
}

std::string report_text(const SweepReport& r) {
  std::ostringstream os;
  const SweepIndex& index = *r.index;
  os << "sweep " << printable(index.dir.string()) << ": " << index.method << ", " << r.points.size() << " point(s) x "
     << index.repeats << " repeat(s); " << index.metric << " (" << direction(r) << "), best of each trial\n";
  os << "trials: " << counts_line(r) << "\n\n";
  const auto rows = table_rows(r);
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += printable(row[i]) + std::string(width[i] - row[i].size() + 2, ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << "\n";
  }
  if (!r.best_command.empty()) os << "\nbest point: " << printable(r.best_command) << "\n";
  bool header = false;
  for (const TrialResult& t : r.trials) {
    if (!failed(t)) continue;
    if (!header) os << "\ntrials that did not finish:\n";
    header = true;
    os << "  trial " << t.trial->trial << " (" << printable(t.trial->label()) << "): " << t.status
       << (t.detail.empty() ? "" : ": " + printable(t.detail)) << "\n";
  }
  return os.str();
}

nlohmann::json report_json(const SweepReport& r) {
  auto opt = [](std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json points = nlohmann::json::array();
  int rank = 0;
  for (const PointSummary& p : r.points) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [k, v] : p.values) values[json_text(k)] = json_text(v);
    nlohmann::json trials = nlohmann::json::array();
    for (const TrialResult* t : p.trials) trials.push_back(t->trial->trial);
    points.push_back({{"rank", p.mean ? nlohmann::json(++rank) : nlohmann::json(nullptr)}, {"point", p.point}, {"values", values},
                      {"mean", opt(p.mean)}, {"stddev", opt(p.stddev)}, {"min", opt(p.min)}, {"max", opt(p.max)},
                      {"scored", p.scored}, {"trials", trials}, {"epochs", p.epochs}, {"minutes", p.minutes}, {"status", p.status}});
  }
  nlohmann::json trials = nlohmann::json::array();
  for (const TrialResult& t : r.trials)
    trials.push_back({{"trial", t.trial->trial}, {"point", t.trial->point}, {"repeat", t.trial->repeat},
                      {"seed", t.trial->seed ? nlohmann::json(*t.trial->seed) : nlohmann::json(nullptr)},
                      {"status", t.status}, {"detail", json_text(t.detail)}, {"best", opt(t.best)},
                      {"best_epoch", t.best_epoch ? nlohmann::json(*t.best_epoch) : nlohmann::json(nullptr)},
                      {"epochs", t.epochs}, {"minutes", t.minutes}, {"folder", json_text(t.trial->folder)}});
  return {{"sweep", json_text(r.index->dir.string())}, {"metric", json_text(r.index->metric)},
          {"mode", r.maximize ? "max" : "min"},        {"points", points},
          {"trials", trials},                          {"best_command", json_text(r.best_command)}};
}

std::string report_csv(const SweepReport& r) {
  std::ostringstream os;
  for (const auto& row : table_rows(r)) {
    for (size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << csv_cell(row[i]);
    os << "\n";
  }
  return os.str();
}

std::string report_markdown(const SweepReport& r) {
  std::ostringstream os;
  os << "**" << r.index->metric << "** (" << direction(r) << "), best of each trial; trials: " << counts_line(r) << "\n\n";
  const auto rows = table_rows(r);
  for (size_t n = 0; n < rows.size(); ++n) {
    os << "|";
    for (const std::string& cell : rows[n]) {
      std::string escaped;
      for (char c : cell) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
      os << " " << escaped << " |";
    }
    os << "\n";
    if (n == 0) {
      os << "|";
      for (size_t i = 0; i < rows[0].size(); ++i) os << " --- |";
      os << "\n";
    }
  }
  if (!r.best_command.empty()) os << "\nBest point: `" << r.best_command << "`\n";
  return os.str();
}

std::string trials_csv(const SweepReport& r) {
  std::ostringstream os;
  os << "trial,point,repeat,seed";
  for (const std::string& k : r.index->keys) os << "," << csv_cell(k);
  os << ",status,best,best_epoch,epochs,minutes,folder\n";
  for (const TrialResult& t : r.trials) {
    os << t.trial->trial << "," << t.trial->point << "," << t.trial->repeat << "," << (t.trial->seed ? std::to_string(*t.trial->seed) : "");
    for (const auto& kv : t.trial->values) os << "," << csv_cell(kv.second);
    os << "," << t.status << "," << (t.best ? number(t.best, 9) : "") << "," << (t.best_epoch ? std::to_string(*t.best_epoch) : "")
       << "," << t.epochs << "," << number(t.minutes, 4) << "," << csv_cell(t.trial->folder) << "\n";
  }
  return os.str();
}

}  // namespace hearth
