// `hearth graph JOB`: the operations of one forward pass of a job's model, drawn.
#include "hosts/jobs/commands/graph_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_graph_request(const RequestContext& c) {
  RequestCommand<jobs::GraphRequest> g(c.app, "Draw the operations of one forward pass of a job's model (Graphviz) and print its summary");
  g.app->add_option("job", g.request->job, "Job script (TOML)")->required()->check(CLI::ExistingFile);
  g.app->add_option("--out", g.request->out, "Picture, .svg (default graph.svg) or .png");
  g.app->add_option("--set", g.request->sets, kSetHelp);
  g.send(c, [](jobs::GraphRequest& q) {
    q.job = fs::absolute(q.job).string();
    q.out = absolute_or_empty(q.out);
  });
}

}  // namespace hearth::cli
