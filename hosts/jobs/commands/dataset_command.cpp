#include "hosts/jobs/commands/dataset_command.hpp"

#include <iostream>

#include "engine/core/byte_text.hpp"
#include "engine/data/batch_loader.hpp"
#include "engine/data/split_plan.hpp"
#include "engine/jobs/session.hpp"
#include "engine/core/split_name.hpp"
#include "hosts/jobs/opened_job.hpp"

namespace hearth::jobs {
namespace {

const char* role_name(hearth_role role) { return role == HEARTH_ROLE_INPUT ? "input" : "target"; }

/// The facts of the dataset, with the first sample of the first split that has one.
nlohmann::json describe(Session& session) {
  DatasetModule& data = session.data();
  const SplitPlan& plan = session.plan();
  nlohmann::json splits = nlohmann::json::object();
  std::optional<std::pair<hearth_split, int64_t>> first;
  for (SplitName s : {SplitName::train, SplitName::valid, SplitName::test}) {
    const IndexSet& indices = plan.indices(s);
    splits[split_label(s)] = indices.size();
    if (!first && !indices.empty()) first = {plan.source(s), indices.front()};
  }
  nlohmann::json tensors = nlohmann::json::array();
  std::vector<at::Tensor> sample;
  if (first) sample = data.get(first->first, first->second);
  for (size_t i = 0; i < data.tensor_names().size(); ++i) {
    nlohmann::json t = {{"name", json_text(data.tensor_names()[i])}, {"role", role_name(data.tensor_roles()[i])}};
    if (i < sample.size()) {
      t["shape"] = sample[i].sizes().vec();
      t["dtype"] = std::string(c10::toString(sample[i].scalar_type()));
    }
    tensors.push_back(t);
  }
  nlohmann::json classes = nlohmann::json::array();
  for (const std::string& c : data.class_names()) classes.push_back(json_text(c));
  return {{"dataset", json_text(session.job().dataset.entry->pack + ":" + session.job().dataset.entry->info.name)}, {"splits", splits}, {"tensors", tensors}, {"classes", classes}};
}

void print_for_people(const nlohmann::json& d) {
  std::cout << "dataset " << d["dataset"].get<std::string>() << "\n";
  for (const auto& [split, n] : d["splits"].items()) std::cout << "  " << split << ": " << n.get<int64_t>() << " samples\n";
  for (const nlohmann::json& t : d["tensors"]) {
    std::cout << "  " << t["role"].get<std::string>() << " " << printable(t["name"].get<std::string>());
    if (t.contains("shape")) std::cout << " " << t["dtype"].get<std::string>() << " " << t["shape"].dump();
    std::cout << "\n";
  }
  if (!d["classes"].empty()) {
    std::cout << "  classes:";
    for (const nlohmann::json& c : d["classes"]) std::cout << " " << printable(c.get<std::string>());
    std::cout << "\n";
  }
}

}  // namespace

int execute(const DatasetRequest& request) {
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  SessionOptions data_only;
  data_only.modules = false;
  Session session(opened.job, data_only);
  nlohmann::json d = describe(session);
  if (request.json) std::cout << d.dump() << "\n";
  else print_for_people(d);
  return 0;
}

}  // namespace hearth::jobs
