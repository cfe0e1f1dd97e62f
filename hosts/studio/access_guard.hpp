// Who may talk to the studio: a request needs the session's token (the printed URL's ?token=,
// then a cookie; or an Authorization: Bearer header for scripts) and a Host header that names
// this server, so that a web page elsewhere cannot reach it through DNS rebinding. Cross-site
// writes are refused by the Origin check and the SameSite cookie.
#pragma once

#include <string>
#include <string_view>

namespace hearth::studio {

/// 32 random bytes as 64 hex digits (libsodium's randombytes).
std::string new_token();

struct AccessPolicy {
  std::string token;
  int port = 0;
  bool allow_remote = false;  ///< any Host header (the token still guards every request)
};

/// What a request carries that the guard looks at.
struct RequestCredentials {
  std::string_view host;           ///< the Host header
  std::string_view origin;         ///< the Origin header, empty when none
  std::string_view cookie;         ///< the Cookie header
  std::string_view authorization;  ///< the Authorization header
  std::string_view query_token;    ///< ?token=
};

enum class Access {
  allowed,
  allowed_set_cookie,  ///< the token came in the URL: answer with the cookie
  wrong_host,          ///< 421 / 400: the Host (or Origin) is not this server
  no_token,            ///< 401
};

Access check_access(const AccessPolicy& policy, const RequestCredentials& request);

/// The cookie that carries the token: HttpOnly, SameSite=Strict, Path=/.
std::string token_cookie(const std::string& token);

}  // namespace hearth::studio
