// `csv`: a table of numbers; target columns by name, categorical targets become class indices.
#include <hearth/plugin.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace {

std::vector<std::string> split_line(const std::string& line, char delimiter) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == delimiter && !quoted) cells.push_back(cell), cell.clear();
    else if (c != '\r') cell += c;
  }
  cells.push_back(cell);
  return cells;
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

class CsvDataset : public hearth::Dataset {
 public:
  static hearth::Schema schema() {
    return {hearth::Param::string("file").file().doc("CSV file, relative to the job file's folder"),
            hearth::Param::string("delimiter", ",").doc("One character between cells"),
            hearth::Param::strings("targets", {}).doc("Names of the target columns (default: the last column)"),
            hearth::Param::string("target_type", "auto").choices({"auto", "numeric", "categorical"}).doc(
                "categorical: class indices from the distinct values; auto: categorical when any value is not a number")};
  }

  explicit CsvDataset(const hearth::Params& p) {
    std::string file = p.get<std::string>("file");
    std::string delim = p.get<std::string>("delimiter");
    if (delim.size() != 1) throw std::invalid_argument("delimiter must be one character");
    std::ifstream in(file);
    if (!in) throw std::invalid_argument("CSV file " + file + " cannot be opened; check the dataset's `file`");
    std::string line;
    if (!std::getline(in, line)) throw std::invalid_argument("CSV file " + file + " is empty");
    std::vector<std::string> header = split_line(line, delim[0]);
    std::vector<std::string> target_names = p.get<std::vector<std::string>>("targets");
    if (target_names.empty()) target_names = {header.back()};
    std::vector<size_t> target_cols, feature_cols;
    for (const std::string& t : target_names) {
      auto it = std::find(header.begin(), header.end(), t);
      if (it == header.end()) throw std::invalid_argument(file + ": no column named '" + t + "' (the header has " + std::to_string(header.size()) + " columns)");
      target_cols.push_back(static_cast<size_t>(it - header.begin()));
    }
    for (size_t c = 0; c < header.size(); ++c)
      if (std::find(target_cols.begin(), target_cols.end(), c) == target_cols.end()) feature_cols.push_back(c);

    std::vector<std::vector<std::string>> rows;
    for (size_t n = 2; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      auto cells = split_line(line, delim[0]);
      if (cells.size() != header.size())
        throw std::invalid_argument(file + ":" + std::to_string(n) + ": " + std::to_string(cells.size()) + " cells, the header has " +
                                    std::to_string(header.size()));
      rows.push_back(std::move(cells));
    }
    if (rows.empty()) throw std::invalid_argument("CSV file " + file + " has a header but no rows");
    std::string type = p.get<std::string>("target_type");
    double v;
    bool categorical = type == "categorical";
    if (type == "auto")
      for (const auto& r : rows)
        for (size_t c : target_cols) categorical |= !parse_number(r[c], v);
    if (categorical && target_cols.size() != 1)
      throw std::invalid_argument("categorical targets need exactly one target column");

    std::vector<float> features;
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t c : feature_cols) {
        if (!parse_number(rows[r][c], v))
          throw std::invalid_argument(file + ":" + std::to_string(r + 2) + ": column '" + header[c] + "' holds '" + rows[r][c] +
                                      "', not a number");
        features.push_back(static_cast<float>(v));
      }
    int64_t n = static_cast<int64_t>(rows.size());
    inputs_ = torch::tensor(features).reshape({n, static_cast<int64_t>(feature_cols.size())});
    if (categorical) {
      std::set<std::string> distinct;
      for (const auto& r : rows) distinct.insert(r[target_cols[0]]);
      classes_.assign(distinct.begin(), distinct.end());
      std::map<std::string, int64_t> index;
      for (size_t i = 0; i < classes_.size(); ++i) index[classes_[i]] = static_cast<int64_t>(i);
      std::vector<int64_t> labels;
      for (const auto& r : rows) labels.push_back(index[r[target_cols[0]]]);
      targets_ = torch::tensor(labels, torch::kInt64);
    } else {
      std::vector<float> values;
      for (size_t r = 0; r < rows.size(); ++r)
        for (size_t c : target_cols) {
          if (!parse_number(rows[r][c], v)) throw std::invalid_argument(file + ":" + std::to_string(r + 2) + ": target '" + header[c] + "' is not a number");
          values.push_back(static_cast<float>(v));
        }
      targets_ = torch::tensor(values).reshape({n, static_cast<int64_t>(target_cols.size())});
    }
  }

  int64_t size(hearth::Split split) override { return split == hearth::Split::train ? inputs_.size(0) : 0; }
  hearth::TensorList get(hearth::Split split, int64_t i) override {
    if (split != hearth::Split::train || i < 0 || i >= inputs_.size(0)) throw std::out_of_range("no such sample");
    return {inputs_[i], targets_[i]};
  }
  std::optional<hearth::TensorList> get_batch(hearth::Split, const std::vector<int64_t>& ids) override {
    torch::Tensor idx = torch::tensor(ids, torch::kInt64);
    return hearth::TensorList{inputs_.index_select(0, idx), targets_.index_select(0, idx)};
  }
  std::vector<hearth::TensorSpec> tensors() const override { return {{"features", HEARTH_ROLE_INPUT}, {"target", HEARTH_ROLE_TARGET}}; }
  std::vector<std::string> classes() const override { return classes_; }

 private:
  torch::Tensor inputs_, targets_;
  std::vector<std::string> classes_;
};

}  // namespace

HEARTH_REGISTER(CsvDataset, "csv", "A CSV table: feature columns in, target columns out",
                "The first line names the columns. Every column not named in `targets` is a float feature.\n"
                "Numeric targets become float tensors; categorical ones (text) become int64 class indices, with\n"
                "the sorted distinct values as class names. All rows form the train split (use the job's\n"
                "valid_fraction for a valid split).")
HEARTH_PACK("builtin", HEARTH_BUILTIN_VERSION)
