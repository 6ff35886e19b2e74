#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/http/message.hpp"

namespace talkline::transport::http {

/// The server's cross-origin rules. Allowed origins are echoed back (never `*`),
/// with `Vary: Origin`, so caches keep per-origin answers apart.
class CorsPolicy {
 public:
  /// `origins` holds exact origins (`https://app.example`) or `*` for any.
  explicit CorsPolicy(std::vector<std::string> origins);

  bool allows(std::string_view origin) const;

  /// An OPTIONS request carrying both `Origin` and `Access-Control-Request-Method`.
  static bool is_preflight(const Request& request);

  /// The answer to a preflight: 204 with the Allow-* headers for an allowed origin,
  /// a 403 `forbidden` problem otherwise. The origin headers come from decorate().
  Response preflight(const Request& request) const;

  /// Adds Allow-Origin, Vary and Expose-Headers when the request's Origin is allowed;
  /// leaves the response alone otherwise.
  void decorate(const Request& request, Response& response) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace talkline::transport::http
