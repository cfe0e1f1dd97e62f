// Schemas of the tables the host itself reads ([job], [train]) and of the host's keys inside
// module tables ([dataset] batch_size, [[losses]] weight, ...). Plain data, validated by the same
// code as plugin schemas and printed by `hearth plugins --markdown`.
#pragma once

#include <string>
#include <vector>

#include "engine/core/plugin_info.hpp"

namespace hearth {

std::vector<ParamInfo> job_schema();
std::vector<ParamInfo> train_schema();
/// [distributed]: backend, rendezvous port, timeout, gradient bucket size.
std::vector<ParamInfo> distributed_schema();
/// [export]: formats written after training, from which checkpoint, into which folder.
std::vector<ParamInfo> export_schema();
std::vector<ParamInfo> dataset_host_schema();
/// The keys of a [[transforms]] table whose `op` is `op` (one of transform_op_names()), `op` aside.
std::vector<ParamInfo> transform_schema(const std::string& op);
/// [model]: the weights a run starts from.
std::vector<ParamInfo> model_host_schema();
std::vector<ParamInfo> loss_host_schema();
std::vector<ParamInfo> metric_host_schema();
std::vector<ParamInfo> analyzer_host_schema();
std::vector<ParamInfo> render_host_schema();

}  // namespace hearth
