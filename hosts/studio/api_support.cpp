#include "api_support.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "engine/core/atomic_file.hpp"
#include "run_paths.hpp"

namespace hearth::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void answer(httplib::Response& res, const JsonHandler& handler, const httplib::Request& req, const json& body) {
  try {
    res.set_content(handler(req, body).dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  } catch (const Conflict& e) {
    send_error(res, 409, e.what());
  } catch (const UsageError& e) {
    send_error(res, 400, e.what());
  } catch (const std::exception& e) {
    send_error(res, 500, e.what());
  }
}

}  // namespace

void get_route(httplib::Server& server, const std::string& pattern, JsonHandler handler) {
  server.Get(pattern, [handler](const httplib::Request& req, httplib::Response& res) { answer(res, handler, req, json::object()); });
}

void post_route(httplib::Server& server, const std::string& pattern, JsonHandler handler) {
  server.Post(pattern, [handler](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
      return send_error(res, 415, "send the body as application/json");
    json body;
    try {
      body = json::parse(req.body);
    } catch (const std::exception& e) {
      return send_error(res, 400, std::string("the body is not JSON: ") + e.what());
    }
    if (!body.is_object()) return send_error(res, 400, "the body must be a JSON object");
    answer(res, handler, req, body);
  });
}

std::string text_field(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) throw UsageError(std::string("the body needs \"") + key + "\" as a string");
  return it->get<std::string>();
}

std::string query(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) throw UsageError(std::string("the request needs ?") + key + "=");
  return req.get_param_value(key);
}

std::vector<std::string> with_flags(std::vector<std::string> args, const StudioState& state) {
  args.insert(args.end(), state.options.child_flags.begin(), state.options.child_flags.end());
  return args;
}

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TempJob::TempJob(StudioState& state, const json& body) : shown_(text_field(body, "path")) {
  const fs::path target = job_path_inside(state.options.work_dir, shown_);
  path_ = target.parent_path() / (".studio-" + std::to_string(::getpid()) + "-" + std::to_string(state.temp_counter++) + "-" +
                                  target.filename().string());
  write_file_atomically(path_, text_field(body, "toml"), "a temporary copy of the job");
}

TempJob::~TempJob() {
  std::error_code ec;
  fs::remove(path_, ec);
  fs::remove(fs::path(path_.string() + ".svg"), ec);
}

std::string TempJob::shown(std::string text) const {
  const std::string from = path_.string(), to = shown_;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

TempFolder::TempFolder() {
  std::string pattern = (fs::temp_directory_path() / "hearth-studio-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw Error(std::string("cannot make a temporary folder: ") + std::strerror(errno));
  path_ = pattern;
}

TempFolder::~TempFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace hearth::studio
