#pragma once

#include <string>

#include "transport/http/router.hpp"

// What the router tests share: a handler that answers with a fixed text, a request for a
// method and path, and which handler a request reaches.
namespace talkline::transport::http::route_probe {

inline Handler answer(std::string text) {
  return [text](Request&) { return Response::json(200, text); };
}

inline Request request_for(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

/// Runs the matched handler so a test can tell which route won; "<none>" when none did.
inline std::string winner(const Router& router, Request request) {
  auto match = router.match(request);
  if (match.outcome != Router::Outcome::matched) return "<none>";
  return (*match.handler)(request).body;
}

}  // namespace talkline::transport::http::route_probe
