// `hearth sample RUN`: text from a trained language model.
#include "hosts/jobs/commands/sample_command.hpp"
#include "requests/request_command.hpp"

namespace hearth::cli {

void setup_sample_request(const RequestContext& c) {
  RequestCommand<jobs::SampleRequest> sample(c.app, "Generate text from a trained language model (a gpt on a text dataset)");
  jobs::SampleRequest& s = *sample.request;
  sample.app->add_option("run", s.run, "Run folder")->required()->check(CLI::ExistingDirectory);
  sample.app->add_option("--prompt", s.prompt, "Text to continue (default: a newline)");
  sample.app->add_option("--tokens", s.tokens, "Tokens to generate (default 200)")->check(CLI::Range(1, 1000000));
  sample.app->add_option("--temperature", s.temperature, "0: always the most likely token; higher: more varied (default 0.8)")
      ->check(CLI::Range(0.0, 100.0));
  sample.app->add_option("--top-k", s.top_k, "Draw among the k most likely tokens only (default 0: all)")->check(CLI::Range(0, 1 << 30));
  sample.app->add_option("--seed", s.seed, "Seed of the draws: the same seed gives the same text (default 1)");
  sample.app->add_option("--checkpoint", s.checkpoint, "best or last")->check(CLI::IsMember({"best", "last"}));
  sample.app->add_flag("--no-cache", s.no_cache, "Feed the whole context every step instead of the key-value cache");
  add_device_option(*sample.app, s.base.device);
  sample.send(c, [](jobs::SampleRequest& r) { r.run = fs::absolute(r.run).string(); });
}

}  // namespace hearth::cli
