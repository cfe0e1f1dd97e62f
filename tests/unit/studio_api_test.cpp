// Hearth Studio's server, through real HTTP against a real `hearth studio` process: the token and
// Host checks, hostile names and files, bad requests, the job endpoints with `hearth check`'s own
// messages, and a run trained, streamed, stopped and resumed through the API.
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "catch.hpp"
#include "engine/params/host_keys.hpp"
#include "hosts/studio/access_guard.hpp"
#include "hosts/studio/run_curves_json.hpp"
#include "hosts/studio/run_paths.hpp"
#include "test_support.hpp"

using namespace hearth;
using namespace hearth::test;
using nlohmann::json;

namespace {

const std::string kSmokeJob = std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/random-smoke.toml";

/// A `hearth studio` in `work` (its runs in work/runs), on a free port; SIGTERMed at scope exit.
class Studio {
 public:
  Studio(const TempDir& cache, const fs::path& work, const std::string& extra = "")
      : proc_(start_hearth("studio" + extra + " --port 0 --no-builtins --plugin-path '" + builtin_plugin_dir().string() + "'",
                           cache.path(), cache.path(), work)) {
    const std::regex url("http://127\\.0\\.0\\.1:([0-9]+)/\\?token=([0-9a-f]{64})");
    for (int i = 0; i < 1000 && token_.empty(); ++i) {
      std::smatch m;
      const std::string out = fs::exists(proc_.out) ? read_text(proc_.out) : "";
      if (std::regex_search(out, m, url)) {
        port_ = std::stoi(m[1]);
        token_ = m[2];
      } else {
        REQUIRE_FALSE(proc_.ended());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    REQUIRE(!token_.empty());
  }
  ~Studio() {
    if (!proc_.ended()) ::kill(pid(), SIGTERM);
    proc_.wait(90);
  }
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  pid_t pid() const { return std::stoi(read_text(proc_.pid)); }
  const BackgroundHearth& process() const { return proc_; }
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(180, 0);  // `hearth check` and `graph` load LibTorch in a child
    return c;
  }
  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }

  json get(const std::string& path, int expect = 200) const {
    auto r = client().Get(path.c_str(), auth());
    REQUIRE(r);
    INFO(path << ": " << r->body);
    REQUIRE(r->status == expect);
    return json::parse(r->body);
  }
  json post(const std::string& path, const json& body, int expect = 200) const {
    auto r = client().Post(path.c_str(), auth(), body.dump(), "application/json");
    REQUIRE(r);
    INFO(path << ": " << r->body);
    REQUIRE(r->status == expect);
    return json::parse(r->body);
  }

 private:
  BackgroundHearth proc_;
  int port_ = 0;
  std::string token_;
};

std::string smoke_job(int epochs, int train_samples = 512) {
  std::string text = read_text(kSmokeJob);
  text = std::regex_replace(text, std::regex("epochs = 6"), "epochs = " + std::to_string(epochs));
  return std::regex_replace(text, std::regex("train_samples = 512"), "train_samples = " + std::to_string(train_samples));
}

/// `text` percent-encoded for a query (every byte but letters, digits and -._~).
std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

/// Polls `ready` every 50 ms for up to `seconds`.
template <typename F>
bool eventually(F ready, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

json run_row(const Studio& s, const std::string& id) {
  for (const json& r : json(s.get("/api/runs")["runs"]))
    if (r["id"] == id) return r;
  return json();
}

}  // namespace

TEST_CASE("studio access: the token, its cookie, and the Host and Origin checks", "[studio]") {
  using studio::Access;
  using studio::AccessPolicy;
  using studio::check_access;
  using studio::new_token;
  AccessPolicy policy{"ab12", 8000, false};
  CHECK(check_access(policy, {"127.0.0.1:8000", "", "", "Bearer ab12", ""}) == Access::allowed);
  CHECK(check_access(policy, {"localhost:8000", "", "x=1; hearth_studio=ab12", "", ""}) == Access::allowed);
  CHECK(check_access(policy, {"[::1]:8000", "", "", "", "ab12"}) == Access::allowed_set_cookie);
  CHECK(check_access(policy, {"127.0.0.1:8000", "", "hearth_studio=ab1", "Bearer ab13", "ab"}) == Access::no_token);
  CHECK(check_access(policy, {"evil.example:8000", "", "", "Bearer ab12", ""}) == Access::wrong_host);
  CHECK(check_access(policy, {"127.0.0.1:8001", "", "", "Bearer ab12", ""}) == Access::wrong_host);
  CHECK(check_access(policy, {"", "", "", "Bearer ab12", ""}) == Access::wrong_host);
  CHECK(check_access(policy, {"127.0.0.1:8000", "http://evil.example", "", "Bearer ab12", ""}) == Access::wrong_host);
  CHECK(check_access(policy, {"127.0.0.1:8000", "http://localhost:8000", "", "Bearer ab12", ""}) == Access::allowed);
  policy.allow_remote = true;
  CHECK(check_access(policy, {"gpu7:8000", "http://gpu7:8000", "", "Bearer ab12", ""}) == Access::allowed);
  CHECK(check_access(policy, {"gpu7:8000", "", "", "", ""}) == Access::no_token);
  CHECK(new_token().size() == 64);
  CHECK(new_token() != new_token());

  TempDir cache, work;
  Studio s(cache, work.path());
  httplib::Client c = s.client();
  auto none = c.Get("/api/session");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->body.find("token") != std::string::npos);
  auto wrong = c.Get("/api/session", {{"Authorization", "Bearer " + std::string(64, '0')}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto page = c.Get(("/?token=" + s.token()).c_str());
  REQUIRE(page);
  CHECK(page->status == 303);
  CHECK(page->get_header_value("Location") == "/");
  const std::string cookie = page->get_header_value("Set-Cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  auto with_cookie = c.Get("/", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  REQUIRE(with_cookie);
  CHECK(with_cookie->status == 200);
  CHECK(with_cookie->body.find("Hearth Studio") != std::string::npos);
  // DNS rebinding: a name that resolves here but is not this server's.
  auto rebound = c.Get("/api/session", {{"Authorization", "Bearer " + s.token()}, {"Host", "attacker.example:" + std::to_string(s.port())}});
  REQUIRE(rebound);
  CHECK(rebound->status == 421);
  auto cross = c.Post("/api/job/save", {{"Authorization", "Bearer " + s.token()}, {"Origin", "http://attacker.example"}},
                      R"({"path":"x.toml","toml":""})", "application/json");
  REQUIRE(cross);
  CHECK(cross->status == 421);
  CHECK_FALSE(fs::exists(work / "x.toml"));
  // The page's files are in the binary, uPlot among them.
  auto js = c.Get("/vendor/uplot/uPlot.esm.js", s.auth());
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->get_header_value("Content-Type").find("javascript") != std::string::npos);
  // Brotli at cpp-httplib's quality takes 0.3 s for this file: the studio answers in gzip instead.
  auto headers = s.auth();
  headers.emplace("Accept-Encoding", "br");
  auto plain = c.Get("/vendor/uplot/uPlot.esm.js", headers);
  REQUIRE(plain);
  CHECK(plain->get_header_value("Content-Encoding").empty());
  headers.erase("Accept-Encoding");
  headers.emplace("Accept-Encoding", "gzip, deflate, br");
  auto gzipped = c.Get("/vendor/uplot/uPlot.esm.js", headers);
  REQUIRE(gzipped);
  CHECK(gzipped->get_header_value("Content-Encoding") == "gzip");
  CHECK(gzipped->body == js->body);  // the client inflates it
  CHECK(s.get("/api/session")["work_dir"] == work.path().string());
}

TEST_CASE("studio usage: other machines only with --allow-remote, jobs only from inside the folder", "[studio]") {
  TempDir cache, work, elsewhere;
  CommandResult remote = run_hearth("studio --bind 0.0.0.0", cache.path());
  CHECK(remote.exit_code == 2);
  CHECK_THAT(remote.output, ContainsSubstring("add --allow-remote"));
  std::ofstream(elsewhere / "job.toml") << "[job]\n";
  CommandResult outside = run_command("cd '" + work.path().string() + "' && '" HEARTH_EXE "' studio '" + (elsewhere / "job.toml").string() + "' 2>&1");
  CHECK(outside.exit_code == 2);
  CHECK_THAT(outside.output, ContainsSubstring("is outside this folder"));
}

TEST_CASE("studio requests: bad JSON, wrong types, huge bodies and unknown routes get 4xx", "[studio]") {
  TempDir cache, work;
  Studio s(cache, work.path());
  httplib::Client c = s.client();
  auto post_raw = [&](const std::string& body, const std::string& type) {
    auto r = c.Post("/api/job/save", s.auth(), body, type.c_str());
    REQUIRE(r);
    return r->status;
  };
  CHECK(post_raw("{", "application/json") == 400);
  CHECK(post_raw("[1,2]", "application/json") == 400);
  CHECK(post_raw(R"({"path": 3, "toml": ""})", "application/json") == 400);
  CHECK(post_raw(R"({"path":"a.toml","toml":""})", "text/plain") == 415);
  CHECK(post_raw(std::string("{\"path\":\"a.toml\",\"toml\":\"") + std::string(5 << 20, 'x') + "\"}", "application/json") == 413);
  CHECK(post_raw("\xff\xfe{", "application/json") == 400);
  CHECK_FALSE(fs::exists(work / "a.toml"));
  auto unknown = c.Get("/api/nothing-here", s.auth());
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(json::parse(unknown->body).contains("error"));
  CHECK(s.get("/api/runs/curves?run=x/y&max_points=abc", 400).contains("error"));
  CHECK(s.get("/api/runs/detail", 400)["error"].get<std::string>().find("?run=") != std::string::npos);
  // Still serving after all of that.
  CHECK(s.get("/api/runs")["runs"].empty());
}

TEST_CASE("studio files: runs, files and saved jobs never resolve outside their folders", "[studio]") {
  TempDir cache, work, outside;
  std::ofstream(outside / "secret.txt") << "secret";
  const fs::path run = work / "runs" / "job" / "2026-01-01T00-00-00Z";
  fs::create_directories(run / "renders");
  std::ofstream(run / "run.json") << R"({"status": "completed", "job": "job", "created": "2026-01-01T00:00:00Z"})";
  std::ofstream(run / "metrics.csv") << "epoch,step,lr,train.loss\n1,16,0.1,0.9\n";
  std::ofstream(run / "renders" / "a.txt") << "inside";
  fs::create_symlink(outside / "secret.txt", run / "link.txt");
  fs::create_directory_symlink(outside.path(), run / "linked");
  fs::create_directory_symlink(outside.path(), work / "runs" / "job" / "linkedrun");
  REQUIRE(::mkfifo((run / "fifo.csv").c_str(), 0600) == 0);
  std::ofstream(work / "runs" / "job" / ".hidden") << "x";
  Studio s(cache, work.path());
  const std::string id = "job/2026-01-01T00-00-00Z";
  auto file = [&](const std::string& r, const std::string& p) {
    auto res = s.client().Get(("/api/runs/file?run=" + url_encode(r) + "&path=" + url_encode(p)).c_str(), s.auth());
    REQUIRE(res);
    return std::make_pair(res->status, res->body);
  };
  CHECK(file(id, "renders/a.txt") == std::make_pair(200, std::string("inside")));
  CHECK(file(id, "metrics.csv").first == 200);
  for (const char* p : {"../../../secret.txt", "link.txt", "linked/secret.txt", "/etc/passwd", "renders/../metrics.csv", "fifo.csv",
                        "", "renders/", ".hidden", "renders/a.txt\n", "renders"}) {
    INFO(p);
    auto [status, body] = file(id, p);
    CHECK(status == 404);
    CHECK(body != "secret");
    CHECK(json::parse(body).contains("error"));
  }
  for (const char* r : {"job/linkedrun", "job/../job/2026-01-01T00-00-00Z", "../outside", "job", "job/.hidden", "job/x/y", "/etc/x",
                        "job/2026-01-01T00-00-00Z\n"}) {
    INFO(r);
    CHECK(file(r, "metrics.csv").first == 404);
  }
  // The file list leaves out links, FIFOs and hidden names.
  json detail = s.get("/api/runs/detail?run=" + url_encode(id));
  std::vector<std::string> names;
  for (const json& f : detail["files"]) names.push_back(f["path"]);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"metrics.csv", "renders/a.txt", "run.json"});

  // Diagnostics' pictures: only regular files named as the host names them, never through a link.
  fs::create_directories(run / "diagnostics" / "weights");
  fs::create_directories(run / "diagnostics" / ".hidden");
  std::ofstream(run / "diagnostics" / "weights" / "epoch-002.png") << "two";
  std::ofstream(run / "diagnostics" / "weights" / "epoch-010.png") << "ten";
  std::ofstream(run / "diagnostics" / ".hidden" / "epoch-001.png") << "x";
  for (const char* odd : {"epoch-2.png", "epoch-0002.png", "epoch-000.png", "epoch-003.grads.npy", "epoch-00x.png", "notes.png"})
    std::ofstream(run / "diagnostics" / "weights" / odd) << "x";
  fs::create_symlink(outside / "secret.txt", run / "diagnostics" / "weights" / "epoch-004.png");
  fs::create_directory_symlink(outside.path(), run / "diagnostics" / "linked");
  std::ofstream(outside / "epoch-001.png") << "secret";
  REQUIRE(::mkfifo((run / "diagnostics" / "weights" / "epoch-005.png").c_str(), 0600) == 0);
  std::ofstream(run / "diagnostics" / "scalars.csv") << "epoch,diagnostic,name,value\n1,weights,fc.update_ratio,0.25\n1,weights,fc.upd";
  json listing = s.get("/api/runs/diagnostics?run=" + url_encode(id));
  INFO(listing.dump());
  REQUIRE(listing["diagnostics"].size() == 1);
  CHECK(listing["diagnostics"][0]["name"] == "weights");
  CHECK(listing["diagnostics"][0]["epochs"] == json::array({2, 10}));
  CHECK(listing["diagnostics"][0]["files"] == json::array({"diagnostics/weights/epoch-002.png", "diagnostics/weights/epoch-010.png"}));
  CHECK(file(id, "diagnostics/weights/epoch-010.png") == std::make_pair(200, std::string("ten")));
  CHECK(s.get("/api/runs/diagnostics?run=job%2Flinkedrun", 400).contains("error"));
  // Their numbers join the run's table as columns; a row being written is left out.
  json curves = s.get("/api/runs/curves?run=" + url_encode(id));
  CHECK(curves["epochs"]["columns"].back() == "diagnostics.weights.fc.update_ratio");
  CHECK(curves["epochs"]["rows"][0].back() == 0.25);

  // Saved jobs: only .toml files inside the studio's folder, never through a link.
  fs::create_directory_symlink(outside.path(), work / "out");
  fs::create_directory(work / "jobs");
  for (const char* p : {"../x.toml", "/tmp/x.toml", "jobs/../../x.toml", "out/x.toml", "x.txt", "jobs/.x.toml", "nothere/x.toml",
                        "jobs\\..\\x.toml\n.toml"}) {
    INFO(p);
    CHECK(s.post("/api/job/save", {{"path", p}, {"toml", "[job]\n"}}, 400).contains("error"));
  }
  CHECK_FALSE(fs::exists(outside / "x.toml"));
  CHECK(s.post("/api/job/save", {{"path", "jobs/a.toml"}, {"toml", "[job]\nname = \"a\"\n"}})["saved"] == "jobs/a.toml");
  CHECK(read_text(work / "jobs" / "a.toml") == "[job]\nname = \"a\"\n");
}

TEST_CASE("studio jobs: modules with their schemas, a job into forms, and hearth check's own messages", "[studio]") {
  TempDir cache, work;
  fs::copy_file(kSmokeJob, work / "smoke.toml");
  Studio s(cache, work.path(), " smoke.toml");
  json session = s.get("/api/session");
  CHECK(session["job"]["path"] == "smoke.toml");
  CHECK(session["job"]["toml"] == read_text(kSmokeJob));
  json modules = s.get("/api/modules");
  const json* mlp = nullptr;
  for (const json& m : modules["modules"])
    if (m["category"] == "model" && m["name"] == "mlp") mlp = &m;
  REQUIRE(mlp);
  bool has_hidden = false;
  for (const json& p : (*mlp)["params"]) has_hidden |= p["key"] == "hidden" && p["type"] == "int list";
  CHECK(has_hidden);
  CHECK_FALSE(modules["host"]["dataset"].empty());

  json form = s.post("/api/job/parse", {{"toml", session["job"]["toml"].get<std::string>()}, {"path", "smoke.toml"}});
  CHECK(form["tables"]["model"]["hidden"] == "[ 32 ]");
  CHECK(form["tables"]["model"]["plugin"] == "\"mlp\"");
  CHECK(form["lists"]["losses"][0]["plugin"] == "\"cross_entropy\"");
  json broken = s.post("/api/job/parse", {{"toml", "[job\n"}, {"path", "smoke.toml"}}, 400);
  CHECK(broken["error"].get<std::string>().rfind("smoke.toml:1:", 0) == 0);

  json good = s.post("/api/job/check", {{"path", "smoke.toml"}, {"toml", read_text(kSmokeJob)}});
  INFO(good.dump());
  CHECK(good["ok"] == true);
  std::string bad_text = std::regex_replace(read_text(kSmokeJob), std::regex("batch_size = 32"), "batch_sise = 32");
  json bad = s.post("/api/job/check", {{"path", "smoke.toml"}, {"toml", bad_text}});
  INFO(bad.dump());
  CHECK(bad["ok"] == false);
  CHECK(bad["exit_code"] == 2);
  REQUIRE(bad["problems"].size() == 1);
  CHECK(bad["problems"][0]["line"] == 15);
  CHECK(bad["problems"][0]["message"].get<std::string>().find("did you mean 'batch_size'") != std::string::npos);
  // The same words as `hearth check` of that job, named by its path in the studio's folder.
  std::ofstream(work / "smoke.toml", std::ios::trunc) << bad_text;
  CommandResult direct = run_command("cd '" + work.path().string() + "' && env NO_COLOR=1 HEARTH_CACHE_DIR='" + cache.path().string() +
                                     "' '" HEARTH_EXE "' check smoke.toml --no-builtins --plugin-path '" + builtin_plugin_dir().string() + "' 2>&1");
  std::string expected = direct.output.substr(0, direct.output.find('\n'));
  expected.replace(expected.find(work.path().string() + "/"), work.path().string().size() + 1, "");  // the studio names it as saved
  CHECK(bad["output"].get<std::string>().find(expected) != std::string::npos);
  json graph = s.post("/api/job/graph", {{"path", "smoke.toml"}, {"toml", read_text(kSmokeJob)}});
  CHECK(graph["ok"] == true);
  CHECK(graph["svg"].get<std::string>().find("<svg") != std::string::npos);
  for (auto& e : fs::directory_iterator(work.path())) CHECK(e.path().filename().string().rfind(".studio-", 0) != 0);
}

TEST_CASE("studio dataset: Load, pages of samples drawn by their renderers, and the analyzers' reports", "[studio]") {
  TempDir cache, work;
  Studio s(cache, work.path());
  const json job = {{"path", "smoke.toml"}, {"toml", read_text(kSmokeJob)}};
  json facts = s.post("/api/dataset/load", job);
  INFO(facts.dump());
  REQUIRE(facts["ok"] == true);
  CHECK(facts["splits"]["train"] == 512);
  CHECK(facts["splits"]["valid"] == 128);
  REQUIRE(facts["tensors"].size() == 2);
  CHECK(facts["tensors"][0]["role"] == "input");
  CHECK(facts["tensors"][0]["shape"] == json::array({8}));
  CHECK(facts["tensors"][0]["dtype"] == "Float");
  CHECK(facts["tensors"][1]["role"] == "target");
  json page = job;
  page.update({{"split", "valid"}, {"from", 4}, {"count", 3}, {"size", 64}});
  json cells = s.post("/api/dataset/samples", page);
  INFO(cells.dump().substr(0, 2000));
  REQUIRE(cells["ok"] == true);
  CHECK(cells["cells"].size() == 6);  // 3 samples x 2 tensors
  CHECK(cells["cells"][0]["position"] == 4);
  CHECK(cells["cells"].back()["position"] == 6);
  CHECK(cells["cells"][0]["png"].get<std::string>().rfind("iVBORw0KGgo", 0) == 0);  // PNG's signature in base64
  // Another renderer for the input tensor is a [[renders]] table of the job: its pictures change.
  json other = page;
  other["toml"] = read_text(kSmokeJob) + "\n[[renders]]\nplugin = \"labels\"\ntensor = \"" + facts["tensors"][0]["name"].get<std::string>() + "\"\n";
  json relabelled = s.post("/api/dataset/samples", other);
  REQUIRE(relabelled["ok"] == true);
  REQUIRE(relabelled["cells"].size() == 6);
  auto picture_of = [&](const json& answer, const std::string& column) {
    for (const json& c : answer["cells"])
      if (c["position"] == 4 && c["column"] == column) return c["png"].get<std::string>();
    return std::string();
  };
  const std::string input = facts["tensors"][0]["name"], target = facts["tensors"][1]["name"];
  CHECK_FALSE(picture_of(cells, input).empty());
  CHECK(picture_of(relabelled, input) != picture_of(cells, input));
  CHECK(picture_of(relabelled, target) == picture_of(cells, target));
  page["from"] = 126;
  json past = s.post("/api/dataset/samples", page);
  CHECK(past["ok"] == false);
  CHECK_THAT(past["output"].get<std::string>(), ContainsSubstring("goes past the valid split, which has 128 samples"));
  for (const json& bad : {json{{"split", "everything"}}, json{{"count", 1000}}, json{{"from", -1}}, json{{"size", "big"}}}) {
    json b = job;
    b.update(bad);
    CHECK(s.post("/api/dataset/samples", b, 400).contains("error"));
  }
  json analysis = s.post("/api/dataset/analyze", job);
  INFO(analysis.dump().substr(0, 2000));
  REQUIRE(analysis["ok"] == true);
  CHECK_FALSE(analysis["pictures"].empty());
  CHECK(analysis["summary"].is_object());
  for (auto& e : fs::directory_iterator(work.path())) CHECK(e.path().filename().string().rfind(".studio-", 0) != 0);
}

TEST_CASE("studio runs: a run started, streamed, stopped and resumed through the API", "[studio]") {
  TempDir cache, work;
  Studio s(cache, work.path());
  // The event stream, read on a thread of its own as a page would.
  std::mutex seen_mutex;
  std::string seen;
  std::atomic<bool> done{false};
  struct Joined {
    std::thread thread;
    std::atomic<bool>& done;
    ~Joined() {
      done = true;  // the stream's next heartbeat (15 s at most) ends it
      if (thread.joinable()) thread.join();
    }
  };
  Joined stream{std::thread([&] {
    httplib::Client c = s.client();
    c.Get("/api/events", s.auth(), [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(seen_mutex);
      seen.append(data, n);
      return !done.load();
    });
  }), done};
  auto stream_has = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(seen_mutex);
    return seen.find(what) != std::string::npos;
  };
  json started = s.post("/api/runs/start", {{"path", "long.toml"}, {"toml", smoke_job(400, 4096)}});
  CHECK(started["saved"] == "long.toml");
  CHECK(read_text(work / "long.toml") == smoke_job(400, 4096));
  const int pid = started["pid"];
  std::string id;
  const bool appeared = eventually([&] {
    for (const json& r : json(s.get("/api/runs")["runs"]))
      if (r.value("pid", 0) == pid) id = r["id"];
    return !id.empty();
  }, 120);
  if (!appeared) FAIL("no run of pid " << pid << ": " << s.get("/api/runs").dump() << s.get("/api/processes").dump().substr(0, 300));
  CHECK(id.rfind("random-smoke/", 0) == 0);
  REQUIRE(eventually([&] { return stream_has("event: epoch\ndata: {\"run\":\"" + id + "\""); }, 120));
  CHECK(stream_has("event: batch\ndata: {\"batch\":"));
  CHECK(stream_has("event: run\ndata: "));
  json curves = s.get("/api/runs/curves?run=" + url_encode(id) + "&max_points=50");
  CHECK(curves["batches"]["x"].size() <= 50);
  CHECK(curves["batches"]["count"].get<int>() >= 128);
  CHECK_FALSE(curves["epochs"]["rows"].empty());
  CHECK(curves["samples_per_s"].get<double>() > 0);
  CHECK(curves["eta_seconds"].is_number());
  // Deleting a run that trains is refused; Stop ends it cleanly, with its last checkpoint.
  CHECK(s.post("/api/runs/delete", {{"run", id}}, 409)["error"].get<std::string>().find("stop it first") != std::string::npos);
  CHECK(s.post("/api/runs/resume", {{"run", id}}, 409).contains("error"));
  CHECK(s.post("/api/runs/stop", {{"run", id}})["stopping"] == pid);
  REQUIRE(eventually([&] { return run_row(s, id)["status"] == "interrupted"; }, 120));
  CHECK(fs::exists(work / "runs" / id / "checkpoints" / "last.pt"));
  CHECK(s.post("/api/runs/stop", {{"run", id}}, 409).contains("error"));
  const int epochs_at_stop = run_row(s, id)["epochs_done"];
  // Resume continues the same run; then stop it again and delete it.
  const int resumed = s.post("/api/runs/resume", {{"run", id}})["pid"];
  REQUIRE(eventually([&] { return run_row(s, id)["status"] == "running" && run_row(s, id)["pid"] == resumed; }, 120));
  REQUIRE(eventually([&] { return run_row(s, id)["epochs_done"].get<int>() > epochs_at_stop; }, 120));
  s.post("/api/runs/stop", {{"run", id}});
  REQUIRE(eventually([&] { return run_row(s, id)["status"] == "interrupted"; }, 120));
  // run.json says so just before the process ends: deleting waits for its end.
  REQUIRE(eventually([&] {
    for (const json& p : json(s.get("/api/processes")["processes"]))
      if (p["pid"] == resumed) return !p["running"].get<bool>();
    return false;
  }, 60));
  CHECK(s.post("/api/runs/delete", {{"run", id}})["removed"] == id);
  CHECK_FALSE(fs::exists(work / "runs" / id));
  REQUIRE(eventually([&] { return stream_has("\"removed\":true"); }, 20));
  done = true;
  ::kill(s.pid(), SIGTERM);  // ends the stream's connection too
  stream.thread.join();
  REQUIRE(s.process().wait(60));
  CHECK(s.process().exit_code() == 0);
}

TEST_CASE("studio shutdown: SIGTERM stops the runs it started cleanly, and a crashing run leaves it serving", "[studio]") {
  TempDir cache, work;
  Studio s(cache, work.path(), " --plugin-path '" + test_plugin_dir("crashing").string() + "'");
  // A job that does not even start is told apart from one that crashes.
  json failed = s.post("/api/runs/start", {{"path", "bad.toml"}, {"toml", "[job]\nname = \"bad\"\n"}});
  REQUIRE(eventually([&] {
    for (const json& p : json(s.get("/api/processes")["processes"]))
      if (p["pid"] == failed["pid"] && p["running"] == false) return p["exit_code"] == 2;
    return false;
  }, 120));
  // A model that segfaults in its 31st forward call ends its run alone; the dashboard says who.
  const std::string crashing = std::regex_replace(smoke_job(6), std::regex("\\[model\\][\\s\\S]*?(?=\\[\\[losses\\]\\])"),
                                                  "[model]\nplugin = \"crashes_after\"\ncalls = 30\nhow = \"segv\"\n\n");
  json crashed = s.post("/api/runs/start", {{"path", "crash.toml"}, {"toml", crashing}});
  json crashed_row;
  REQUIRE(eventually([&] {
    for (const json& r : json(s.get("/api/runs")["runs"]))
      if (r.value("pid", 0) == crashed["pid"] && r["status"] == "crashed") crashed_row = r;
    return !crashed_row.is_null();
  }, 120));
  CHECK(crashed_row["detail"].get<std::string>().find("SIGSEGV in model 'crashes_after'") != std::string::npos);
  json started = s.post("/api/runs/start", {{"path", "long.toml"}, {"toml", smoke_job(400, 4096)}});
  std::string id;
  REQUIRE(eventually([&] {
    for (const json& r : json(s.get("/api/runs")["runs"]))
      if (r.value("pid", 0) == started["pid"] && r["epochs_done"].get<int>() >= 1) id = r["id"];
    return !id.empty();
  }, 120));
  ::kill(s.pid(), SIGTERM);
  REQUIRE(s.process().wait(90));
  CHECK(s.process().exit_code() == 0);
  json info = json::parse(read_text(work / "runs" / id / "run.json"));
  CHECK(info["status"] == "interrupted");
  CHECK(fs::exists(work / "runs" / id / "checkpoints" / "last.pt"));
}

TEST_CASE("studio views: the parameters plot of chosen runs, a run's predictions, sweeps with their reports", "[studio]") {
  TempDir cache, work;
  const std::string runs = (work / "runs").string();
  const std::string plugins = " --no-builtins --plugin-path '" + builtin_plugin_dir().string() + "'";
  for (const char* lr : {"0.1", "0.05"}) {
    CommandResult r = run_hearth("run " + kSmokeJob + " --runs-dir '" + runs + "' --set train.epochs=2 --set optimizer.lr=" + lr + plugins, cache.path());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
  std::ofstream(work / "sweep.toml") << "[sweep]\njob = \"" << kSmokeJob << "\"\n[sweep.parameters]\n\"train.epochs\" = [1]\n"
                                      << "\"optimizer.lr\" = [0.1, 0.02]\n";
  CommandResult sweep = run_hearth("sweep '" + (work / "sweep.toml").string() + "' --runs-dir '" + runs + "'" + plugins, cache.path());
  INFO(sweep.output);
  REQUIRE(sweep.exit_code == 0);
  Studio s(cache, work.path());
  std::vector<std::string> ids;
  for (const json& r : json(s.get("/api/runs")["runs"])) ids.push_back(r["id"]);
  REQUIRE(ids.size() == 2);  // the sweep's trials are not runs of the listing
  json plot = s.post("/api/runs/params", {{"runs", ids}});
  CHECK(plot["svg"].get<std::string>().find("<svg") != std::string::npos);
  CHECK_THAT(s.post("/api/runs/params", {{"runs", {ids[0]}}}, 400)["error"].get<std::string>(), ContainsSubstring("two"));
  CHECK(s.post("/api/runs/params", {{"runs", {"../x"}}}, 400).contains("error"));
  CHECK(s.post("/api/runs/params", {{"runs", "all"}}, 400).contains("error"));
  json sheet = s.post("/api/runs/predictions", {{"run", ids[0]}});
  INFO(sheet.dump().substr(0, 1000));
  CHECK(sheet["ok"] == true);
  CHECK(sheet["png"].get<std::string>().rfind("iVBORw0KGgo", 0) == 0);
  json sweeps = s.get("/api/sweeps");
  REQUIRE(sweeps["sweeps"].size() == 1);
  CHECK(sweeps["sweeps"][0]["id"].get<std::string>().rfind("random-smoke/sweeps/", 0) == 0);
  CHECK(sweeps["sweeps"][0]["report"]["points"].size() == 2);
  CHECK(sweeps["sweeps"][0]["report"]["points"][0]["rank"] == 1);
}

TEST_CASE("studio curves: batch logs of resumed runs count each batch once, and 100000 points become at most the asked", "[studio]") {
  TempDir dir;
  {
    std::ofstream csv(dir / "batches.csv");
    csv << "epoch,batch,batches,loss,samples_per_s,seconds\n";
    for (int b = 1; b <= 4; ++b) csv << "1," << b << ",4," << 1.0 / b << ",100,0." << b << "\n";
    csv << "2,1,4,9,100,0.1\n2,2,4,9,100,0.2\n";        // killed here: resumed from epoch 2, batch 0
    csv << "2,1,4,0.2,120,0.1\n2,2,4,0.1,120,0.2\n2,3,4";  // and still writing
  }
  BatchPoints p = read_batch_points(dir / "batches.csv");
  REQUIRE(p.loss.size() == 6);
  CHECK(p.loss[4] == Approx(0.2));
  CHECK(p.loss[5] == Approx(0.1));
  CHECK(p.position.front() == Approx(0.25));
  CHECK(p.position.back() == Approx(1.5));
  CHECK(p.samples_per_s == Approx(120));
  CHECK(p.epoch == 2);
  CHECK(p.batch == 2);

  // Followed as it grows: a log read in pieces, a line cut in two among them, gives what a whole read gives.
  {
    BatchLogReader log;
    std::ofstream grow(dir / "growing.csv");
    grow << "epoch,batch,batches,loss,samples_per_s,seconds\n1,1,4,0.5,10,0.1\n1,2,4,0.";
    grow.flush();
    log.update(dir / "growing.csv");
    CHECK(log.points().loss.size() == 1);
    grow << "25,10,0.2\n1,3,4,0.125,10,0.3\n";
    grow.flush();
    log.update(dir / "growing.csv");
    REQUIRE(log.points().loss.size() == 3);
    CHECK(log.points().loss[1] == Approx(0.25));
    CHECK(log.points().loss == read_batch_points(dir / "growing.csv").loss);
  }
  CHECK(studio::followed_batch_points(dir / "growing.csv").loss.size() == 3);
  std::ofstream(dir / "growing.csv", std::ios::trunc) << "epoch,batch,batches,loss,samples_per_s,seconds\n1,1,2,7,10,0.1\n";
  CHECK(studio::followed_batch_points(dir / "growing.csv").loss == std::vector<double>{7});  // rewritten: read again

  BatchPoints many;
  for (int i = 0; i < 100000; ++i) {
    many.position.push_back(i / 1000.0);
    many.loss.push_back(i == 54321 ? 50.0 : 1.0);
  }
  json d = studio::downsample(many, 500);
  CHECK(d["x"].size() == 500);
  CHECK(d["count"] == 100000);
  double highest = 0;
  for (const json& v : d["max"]) highest = std::max(highest, v.get<double>());
  CHECK(highest == 50.0);  // a spike survives in the band
  std::vector<double> sm = studio::smoothed({1, 1, 1, std::nan("")}, 0.9);
  CHECK(sm[0] == Approx(1.0));  // debiased
  CHECK(sm[3] == Approx(1.0));

  // The rate per batch, and the time left: the epochs', or the step limit's when it comes first.
  fs::create_directories(dir / "run");
  std::ofstream(dir / "run" / "batches.csv") << "epoch,batch,batches,loss,samples_per_s,seconds,step,lr\n"
                                                "1,1,100,0.5,100,1.0,1,0.001\n1,2,100,0.5,100,2.0,2,0.002\n";
  hearth::TrainOptions planned = hearth::train_keys().defaults();
  planned.epochs = 10;
  json curves = studio::run_curves_json(dir / "run", planned, 100);
  CHECK(curves["batches"]["lr"] == json::array({0.001, 0.002}));
  CHECK(curves["eta_seconds"].get<double>() == Approx(98 + 9 * 100));  // one second a batch
  planned.max_steps = 10;
  planned.accumulate = 2;
  CHECK(studio::run_curves_json(dir / "run", planned, 100)["eta_seconds"].get<double>() == Approx(8 * 2));

  // Validations inside epochs join the batch chart at their batch's place on its axis.
  CHECK(studio::run_curves_json(dir / "run", planned, 100)["valid_steps"]["x"].empty());
  std::ofstream(dir / "run" / "valid_steps.csv") << "step,epoch,batch,valid.loss\n40,1,40,2.5\n140,2,40,nan\n";
  json inside = studio::run_curves_json(dir / "run", planned, 100)["valid_steps"];
  REQUIRE(inside["x"].size() == 2);
  CHECK(inside["x"][0].get<double>() == Approx(0.4));
  CHECK(inside["x"][1].get<double>() == Approx(1.4));
  CHECK(inside["valid.loss"] == json::array({2.5, nullptr}));
}

TEST_CASE("studio in a real browser: set up an MLP with a diagnostic, train, stop, resume, move the epoch slider, compare, and save a job that hearth run runs alike", "[studio][browser]") {
  TempDir cache, work, shots;
  Studio s(cache, work.path());
  // $HEARTH_STUDIO_SHOTS keeps the screenshots (docs/studio.md's pictures come from there).
  const char* keep = std::getenv("HEARTH_STUDIO_SHOTS");
  const fs::path shot_dir = keep ? fs::path(keep) : shots.path();
  const std::string url = "http://127.0.0.1:" + std::to_string(s.port()) + "/?token=" + s.token();
  CommandResult r = run_command("timeout 900 /usr/bin/python3 '" HEARTH_SOURCE_DIR "/tests/python/studio_browser.py' '" + url + "' '" +
                                shot_dir.string() + "' 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, ContainsSubstring("all steps passed"));
  for (const char* tab : {"studio-model.png", "studio-training.png", "studio-diagnostics.png", "studio-dashboard.png"}) CHECK(fs::file_size(shot_dir / tab) > 10000);
  // The saved job, run from the command line, trains what the studio's last run trained.
  const std::string studio_run = r.output.substr(r.output.find("run: ") + 5, r.output.find('\n', r.output.find("run: ")) - r.output.find("run: ") - 5);
  CommandResult cli = run_command("cd '" + work.path().string() + "' && env NO_COLOR=1 HEARTH_CACHE_DIR='" + cache.path().string() + "' '" HEARTH_EXE
                                  "' run browser-mlp.toml --runs-dir cli-runs --no-builtins --plugin-path '" + builtin_plugin_dir().string() + "' 2>&1");
  INFO(cli.output);
  REQUIRE(cli.exit_code == 0);
  const fs::path cli_run = single_run(work / "cli-runs");
  CHECK(read_text(cli_run / "job.toml") == read_text(work / "runs" / studio_run / "job.toml"));
  CHECK(last_metrics_row(cli_run / "metrics.csv") == last_metrics_row(work / "runs" / studio_run / "metrics.csv"));
}

TEST_CASE("studio sample: a language-model run continues a prompt of any bytes, and bad requests get 4xx", "[studio][text]") {
  TempDir cache, work;
  fs::copy_file("/usr/share/common-licenses/GPL-3", work / "gpl.txt");
  CommandResult trained = run_hearth("run " + std::string(HEARTH_SOURCE_DIR) + "/assets/jobs/gpt-char.toml --runs-dir " +
                                         (work / "runs").string() +
                                         " --set model.layers=1 --set model.width=32 --set model.heads=2 --set train.epochs=1"
                                         " --set job.device='\"cpu\"' --set dataset.file='\"" + (work / "gpl.txt").string() + "\"'",
                                     cache.path());
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  Studio s(cache, work.path());
  const json runs = s.get("/api/runs")["runs"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["samples_text"] == true);
  const std::string id = runs[0]["id"];
  // Quotes, a newline and a leading dash reach `hearth sample` as one argument, never as options.
  const std::string prompt = "-x \"This\" (License)\n";
  const json body = {{"run", id}, {"prompt", prompt}, {"tokens", 30}, {"temperature", 0}};
  const json a = s.post("/api/runs/sample", body), b = s.post("/api/runs/sample", body);
  INFO(a.dump());
  REQUIRE(a["ok"] == true);
  CHECK(a["text"].get<std::string>().rfind(prompt, 0) == 0);
  CHECK(a["text"].get<std::string>().size() >= prompt.size() + 30);
  CHECK(a["text"] == b["text"]);  // temperature 0: the most likely token each time
  CHECK_THAT(a["report"].get<std::string>(), ContainsSubstring("key-value cache"));
  const json foreign = s.post("/api/runs/sample", {{"run", id}, {"prompt", "\xCE\xA9"}});
  CHECK(foreign["ok"] == false);
  CHECK_THAT(foreign["output"].get<std::string>(), ContainsSubstring("is not in the run's vocabulary"));
  CHECK(s.post("/api/runs/sample", {{"run", id}, {"tokens", 0}}, 400).contains("error"));
  CHECK(s.post("/api/runs/sample", {{"run", id}, {"prompt", 7}}, 400).contains("error"));
  CHECK(s.post("/api/runs/sample", {{"run", "../" + id}}, 400).contains("error"));
}
