#include "hosts/jobs/commands/shard_command.hpp"

#include <ATen/ATen.h>

#include <cctype>
#include <iostream>
#include <set>

#include "engine/core/atomic_file.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "engine/core/folder_publish.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/npy_bytes.hpp"
#include "engine/data/shard_writer.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/session.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {
namespace {

/// "256MB", "1.5GB", "512KiB", "1000000": bytes (kB/MB/GB powers of 1000, KiB/MiB/GiB of 1024).
int64_t parse_size(const std::string& text) {
  size_t end = 0;
  double value = 0;
  try {
    value = std::stod(text, &end);
  } catch (const std::exception&) {
    end = 0;
  }
  std::string unit = text.substr(end);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::pair<const char*, double> units[] = {{"", 1},          {"b", 1},          {"kb", 1e3},   {"mb", 1e6},
                                                  {"gb", 1e9},      {"kib", 1024.0},   {"mib", 1048576.0}, {"gib", 1073741824.0}};
  for (const auto& [name, factor] : units)
    if (end > 0 && unit == name && value * factor >= 1 && value * factor < 1e13) return static_cast<int64_t>(value * factor);
  throw UsageError("--shard-size " + text + " is not a size like 256MB, 1GB or 64MiB");
}

/// What each of the dataset's tensors becomes in a shard: member extension and manifest entry.
struct TensorMember {
  std::string extension;  ///< "image.npy", or "label.cls" for a class number
  bool class_number = false;
  nlohmann::json manifest;
};

/// A member name part from a tensor's name: plugins name tensors, so the bytes are not trusted.
std::string safe_part(const std::string& name, size_t index, std::set<std::string>& taken) {
  std::string out;
  for (unsigned char c : name.substr(0, 40)) out += std::isalnum(c) || c == '_' || c == '-' ? static_cast<char>(c) : '_';
  if (out.empty() || out.find_first_not_of('_') == std::string::npos) out = "tensor" + std::to_string(index);
  while (!taken.insert(out).second) out += "_" + std::to_string(index);
  return out;
}

std::vector<TensorMember> plan_members(DatasetModule& data, const std::vector<at::Tensor>& first) {
  std::vector<TensorMember> members;
  std::set<std::string> taken;
  for (size_t i = 0; i < data.tensor_names().size(); ++i) {
    const bool target = data.tensor_roles()[i] == HEARTH_ROLE_TARGET;
    const at::Tensor& t = first.at(i);
    TensorMember m;
    // A scalar integer target is a class number: WebDataset's .cls, which every reader knows.
    m.class_number = target && t.dim() == 0 && !t.is_floating_point() && t.scalar_type() != at::kBool;
    m.extension = safe_part(data.tensor_names()[i], i, taken) + (m.class_number ? ".cls" : ".npy");
    m.manifest = {{"name", json_text(data.tensor_names()[i])},
                  {"role", target ? "target" : "input"},
                  {"extension", m.extension},
                  {"dtype", std::string(c10::toString(t.scalar_type()))},
                  {"shape", t.sizes().vec()}};
    members.push_back(std::move(m));
  }
  return members;
}

/// Writes split `s` into shards; returns its manifest entry.
nlohmann::json write_split(Session& session, SplitName s, std::vector<TensorMember>& members, const fs::path& folder,
                           int64_t shard_bytes) {
  const IndexSet& indices = session.plan().indices(s);
  const std::string label = split_label(s);
  BatchLoader loader(session.data(), session.plan().source(s), indices, 256, /*shuffle=*/false, 0, session.options().data.workers);
  ShardWriter writer(folder, label, shard_bytes);
  loader.start_epoch(0);
  int64_t k = 0;
  while (auto batch = loader.next()) {
    for (int64_t b = 0; b < batch->size; ++b, ++k) {
      std::vector<std::pair<std::string, std::string>> bytes;
      for (size_t c = 0; c < members.size(); ++c) {
        const at::Tensor t = batch->columns[c][b];
        const std::string what = "sample " + std::to_string(k) + " of the " + label + " split, tensor '" +
                                 printable(session.data().tensor_names()[c]) + "'";
        if (members[c].class_number && t.dim() != 0) throw PluginError(what + " is not a class number like the first sample's");
        bytes.emplace_back(members[c].extension, members[c].class_number ? std::to_string(t.item<int64_t>()) + "\n" : npy_bytes(t, what));
      }
      char key[32];
      std::snprintf(key, sizeof key, "%09lld", static_cast<long long>(k));
      writer.add(key, bytes);
    }
  }
  nlohmann::json shards = nlohmann::json::array();
  const std::vector<WrittenShard> written = writer.finish();
  for (const WrittenShard& w : written)
    shards.push_back({{"file", w.file}, {"samples", w.samples}, {"bytes", w.bytes}, {"sha256", w.sha256}});
  std::cout << "  " << label << ": " << k << " samples in " << written.size() << " shard(s)\n";
  char pattern[96];
  std::snprintf(pattern, sizeof pattern, "%s-{000000..%06zu}.tar", label.c_str(), written.empty() ? size_t{0} : written.size() - 1);
  return {{"samples", k}, {"pattern", pattern}, {"shards", shards}};
}

void print_job_table(const fs::path& out, const nlohmann::json& splits) {
  std::cout << "\nTrain on them with this [dataset] table (plus the job's batch_size, workers, ...):\n\n"
            << "[dataset]\nplugin = \"shards\"\nfolder = \"" << printable(out.string()) << "\"\n";
  for (const auto& [split, entry] : splits.items())
    std::cout << split << " = [\"" << entry["pattern"].get<std::string>() << "\"]\n";
}

}  // namespace

int execute(const ShardRequest& request) {
  const int64_t shard_bytes = parse_size(request.shard_size);
  const fs::path out = fs::path(request.out).lexically_normal();
  if (out.filename().empty()) throw UsageError("--out " + request.out + " names no folder");
  if (fs::exists(fs::symlink_status(out))) throw UsageError("--out " + out.string() + " exists; name a new folder");
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  SessionOptions data_only;
  data_only.modules = false;
  Session session(opened.job, data_only);
  DatasetModule& data = session.data();
  const SplitPlan& plan = session.plan();
  std::vector<TensorMember> members = plan_members(data, data.get(plan.source(SplitName::train), plan.indices(SplitName::train).front()));

  fs::create_directories(out.parent_path());
  remove_unfinished_folders(out.parent_path());
  // Filled while hidden and renamed into place when whole: a kill leaves no folder that looks done.
  const fs::path prepared = preparing_folder(out.parent_path(), out.filename().string());
  fs::create_directories(prepared);
  std::cout << "sharding " << printable(opened.job.name()) << " into " << printable(out.string()) << "\n";
  nlohmann::json splits = nlohmann::json::object();
  for (SplitName s : {SplitName::train, SplitName::valid, SplitName::test})
    if (!plan.indices(s).empty()) splits[split_label(s)] = write_split(session, s, members, prepared, shard_bytes);
  nlohmann::json tensors = nlohmann::json::array(), classes = nlohmann::json::array();
  for (const TensorMember& m : members) tensors.push_back(m.manifest);
  for (const std::string& c : data.class_names()) classes.push_back(json_text(c));
  const nlohmann::json manifest = {{"format", "webdataset tar shards, written by hearth shard"},
                                   {"job", json_text(opened.job.name())},
                                   {"dataset", json_text(opened.job.dataset.entry->pack + ":" + opened.job.dataset.entry->info.name)},
                                   {"tensors", tensors},
                                   {"classes", classes},
                                   {"splits", splits}};
  write_file_atomically(prepared / "manifest.json", manifest.dump(2) + "\n", "the shards' manifest");
  publish_folder(prepared, out.parent_path(), out.filename().string(), false);
  print_job_table(out, splits);
  return 0;
}

}  // namespace hearth::jobs
