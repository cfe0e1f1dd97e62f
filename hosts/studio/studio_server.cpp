// `hearth studio`'s server: the guard in front of every request, the embedded page, the event
// stream, and a clean end on SIGINT or SIGTERM.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "access_guard.hpp"
#include "engine/core/byte_text.hpp"
#include "engine/core/error.hpp"
#include "studio_state.hpp"
#include "web_assets.hpp"

namespace hearth::studio {

namespace {

constexpr size_t kBodyLimit = 4u << 20;  // a job is a few kB; anything past this is refused (413)
constexpr auto kEventWait = std::chrono::seconds(15);

/// The guard: Host and Origin, then the token. A first visit with ?token= gets the cookie and is
/// sent on to the same page without the token in its address.
httplib::Server::HandlerResponse guard(const AccessPolicy& policy, const httplib::Request& req, httplib::Response& res) {
  const std::string host = req.get_header_value("Host"), origin = req.get_header_value("Origin"),
                    cookie = req.get_header_value("Cookie"), auth = req.get_header_value("Authorization"),
                    token = req.has_param("token") ? req.get_param_value("token") : std::string();
  switch (check_access(policy, {host, origin, cookie, auth, token})) {
    case Access::allowed:
      return httplib::Server::HandlerResponse::Unhandled;
    case Access::allowed_set_cookie:
      res.set_header("Set-Cookie", token_cookie(policy.token));
      if (req.method == "GET" && req.path.rfind("/api/", 0) != 0) {
        res.set_redirect(req.path, 303);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    case Access::wrong_host:
      send_error(res, 421, "this server answers to 127.0.0.1, localhost and [::1] only (Host: " + printable(host) + ")");
      return httplib::Server::HandlerResponse::Handled;
    case Access::no_token:
      break;
  }
  send_error(res, 401, "open the address `hearth studio` printed: it carries the access token");
  return httplib::Server::HandlerResponse::Handled;
}

/// cpp-httplib compresses text and JSON answers with Brotli when a browser accepts it, at Brotli's
/// slowest quality: 0.3 s for uPlot's 145 kB, measured (docs/benchmarks.md "Studio"). gzip does it
/// in milliseconds, so the studio offers gzip alone. httplib has no setting for this; the request
/// it hands the pre-routing handler is its own (non-const) object, so rewriting one header there
/// is safe.
void gzip_only(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  auto it = headers.find("Accept-Encoding");
  if (it == headers.end()) return;
  const bool gzip = it->second.find("gzip") != std::string::npos;
  headers.erase("Accept-Encoding");
  if (gzip) headers.emplace("Accept-Encoding", "gzip");
}

void serve_page(const httplib::Request& req, httplib::Response& res) {
  std::string path = req.path == "/" ? "index.html" : req.path.substr(1);
  const EmbeddedFile* file = find_web_file(path);
  if (!file) return send_error(res, 404, "no page at " + printable(req.path));
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  res.set_content(std::string(file->bytes), std::string(content_type_of(file->path)));
}

void serve_events(StudioState& state, httplib::Response& res) {
  std::shared_ptr<Subscriber> sub = state.events.subscribe();
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [sub, &state](size_t, httplib::DataSink& sink) {
    if (state.stopping || sub->closed()) return false;
    std::vector<std::string> events = sub->take(kEventWait);
    if (events.empty()) events.push_back(": still here\n\n");  // lets a dead connection be noticed
    for (const std::string& e : events)
      if (!sink.write(e.data(), e.size())) return false;
    return !state.stopping;
  });
}

/// Blocks SIGINT and SIGTERM in every thread (each later thread inherits the mask), so that one
/// sigwait below receives them; SIGPIPE from a closed socket is ignored.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return set;
}

void configure(httplib::Server& server, StudioState& state, const AccessPolicy& policy) {
  server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  server.set_payload_max_length(kBodyLimit);
  server.set_tcp_nodelay(true);  // else small writes wait on delayed ACKs: uPlot took 0.8 s to arrive
  server.set_pre_routing_handler([policy](const httplib::Request& req, httplib::Response& res) {
    gzip_only(req);
    return guard(policy, req, res);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, what);
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) send_error(res, res.status, res.status == 413 ? "the request is too large" : "no such route: " + printable(req.path));
  });
  add_api_routes(server, state);
  server.Get("/api/events", [&state](const httplib::Request&, httplib::Response& res) { serve_events(state, res); });
  server.Get("/", serve_page);
  server.Get("/(index\\.html|studio\\.css|js/[a-z_]+\\.js|vendor/uplot/[A-Za-z.]+)", serve_page);
}

}  // namespace

int run_studio(const StudioOptions& options) {
  const sigset_t stop_signals = block_stop_signals();
  StudioOptions o = options;
  if (o.token.empty()) o.token = new_token();
  StudioState state(o);
  httplib::Server server;
  AccessPolicy policy{o.token, 0, o.allow_remote};
  int port = o.port;
  if (port == 0) {
    port = server.bind_to_any_port(o.bind);
    if (port < 0) throw UsageError("cannot listen on " + o.bind + ": " + std::strerror(errno));
  } else if (!server.bind_to_port(o.bind, port)) {
    throw UsageError("cannot listen on " + o.bind + ":" + std::to_string(port) + " (in use? pick another --port)");
  }
  policy.port = port;
  configure(server, state, policy);
  RunsWatcher watcher(o.runs_dir, state.events, std::chrono::milliseconds(500));
  std::thread serving([&server] { server.listen_after_bind(); });
  const std::string host = o.bind == "0.0.0.0" || o.bind == "::" ? "127.0.0.1" : o.bind;
  const std::string url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(port) + "/?token=" + o.token;
  if (o.on_listening) o.on_listening(url);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("studio: stopping (signal {}); the runs it started stop cleanly and write `last`", sig);
  state.stopping = true;
  state.events.close();
  server.stop();
  serving.join();
  state.children.stop_all(std::chrono::seconds(60));
  return 0;
}

}  // namespace hearth::studio
