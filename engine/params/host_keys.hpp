// The keys of the tables the host itself reads ([job], [train], [distributed], [export]) and of
// its keys inside module tables ([dataset] batch_size, [[losses]] weight, ...), each declared once
// and bound to its field of host_options.hpp. A table's schema() validates the job (by the same
// code as plugin schemas) and prints the docs (`hearth plugins --markdown`); resolve() gives the
// typed options.
#pragma once

#include <string>
#include <vector>

#include "engine/params/host_options.hpp"
#include "engine/params/key_table.hpp"

namespace hearth {

const KeyTable<GeneralOptions>& job_keys();
const KeyTable<TrainOptions>& train_keys();
/// [distributed]: backend, rendezvous port, timeouts, gradient bucket size.
const KeyTable<DistributedOptions>& distributed_keys();
/// [export]: formats written after training, from which checkpoint, into which folder.
const KeyTable<ExportStepOptions>& export_keys();
const KeyTable<DataOptions>& dataset_keys();
/// The keys of a [[transforms]] table whose `op` is `op`, `op` aside.
const KeyTable<TransformStep>& transform_keys(TransformStep::Op op);
/// [model]: the weights a run starts from.
const KeyTable<ModelInit>& model_keys();
const KeyTable<LossOptions>& loss_keys();
const KeyTable<MetricOptions>& metric_keys();
const KeyTable<AnalyzerOptions>& analyzer_keys();
const KeyTable<RenderTableOptions>& render_keys();
/// [[diagnostics]]: every, split, samples and the picture's size.
const KeyTable<DiagnosticOptions>& diagnostic_keys();

}  // namespace hearth
