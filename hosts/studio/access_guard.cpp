#include "access_guard.hpp"

#include <sodium.h>

#include <stdexcept>

namespace hearth::studio {
namespace {

constexpr std::string_view kCookieName = "hearth_studio";

/// Compares in time independent of where the first difference is.
bool same_secret(std::string_view given, const std::string& token) {
  return given.size() == token.size() && sodium_memcmp(given.data(), token.data(), token.size()) == 0;
}

/// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

/// Host headers that name this server on loopback: 127.0.0.1, localhost and [::1], with its port.
bool loopback_host(std::string_view host, int port) {
  const std::string suffix = ":" + std::to_string(port);
  if (host.size() <= suffix.size() || host.substr(host.size() - suffix.size()) != suffix) return false;
  std::string_view name = host.substr(0, host.size() - suffix.size());
  return name == "127.0.0.1" || name == "localhost" || name == "[::1]";
}

bool origin_allowed(const AccessPolicy& policy, std::string_view origin, std::string_view host) {
  if (origin.empty()) return true;  // not a browser's cross-origin request
  constexpr std::string_view scheme = "http://";
  if (origin.substr(0, scheme.size()) != scheme) return false;
  std::string_view origin_host = origin.substr(scheme.size());
  return policy.allow_remote ? origin_host == host : loopback_host(origin_host, policy.port);
}

}  // namespace

std::string new_token() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start: no random bytes for the studio's token");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

Access check_access(const AccessPolicy& policy, const RequestCredentials& r) {
  if (!policy.allow_remote && !loopback_host(r.host, policy.port)) return Access::wrong_host;
  if (r.host.empty() || !origin_allowed(policy, r.origin, r.host)) return Access::wrong_host;
  constexpr std::string_view bearer = "Bearer ";
  if (r.authorization.substr(0, bearer.size()) == bearer && same_secret(r.authorization.substr(bearer.size()), policy.token))
    return Access::allowed;
  if (same_secret(cookie_value(r.cookie, kCookieName), policy.token)) return Access::allowed;
  if (same_secret(r.query_token, policy.token)) return Access::allowed_set_cookie;
  return Access::no_token;
}

std::string token_cookie(const std::string& token) {
  return std::string(kCookieName) + "=" + token + "; HttpOnly; SameSite=Strict; Path=/";
}

}  // namespace hearth::studio
