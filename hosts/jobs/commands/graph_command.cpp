#include "hosts/jobs/commands/graph_command.hpp"

#include <iostream>

#include "hosts/jobs/opened_job.hpp"
#include "engine/jobs/model_graph.hpp"
#include "engine/jobs/session.hpp"
#include "engine/plots/graph_picture.hpp"

namespace hearth::jobs {

int execute(const GraphRequest& request) {
  // The default relative to where the user stands, before the job's folder becomes current.
  const fs::path out = !request.out.empty() ? fs::path(request.out) : fs::absolute("graph.svg");
  OpenedJob opened = open_job(request.base, request.job, request.sets);
  Session session(opened.job);
  GraphPicture graph = trace_model_graph(session.model(), on_device(example_inputs(session.data(), 2), session.device_name()),
                                         model_title(opened.job));
  write_graph_picture(graph, out);
  std::cout << graph_summary_text(graph) << "wrote " << out.string() << "\n";
  return 0;
}

}  // namespace hearth::jobs
