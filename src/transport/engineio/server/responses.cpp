#include "transport/engineio/server/responses.hpp"

namespace talkline::transport::engineio {

http::Response error_response(const RequestError& error) {
  return http::Response::json(error.http_status, render_error_body(error));
}

http::Response payload_response(std::string body) {
  http::Response response;
  response.status = 200;
  response.headers.set("Content-Type", "text/plain; charset=UTF-8");
  // Proxies must not replay a poll: each answer is consumed once.
  response.headers.set("Cache-Control", "no-store");
  response.body = std::move(body);
  return response;
}

http::Response ok_response() {
  http::Response response;
  response.status = 200;
  response.headers.set("Content-Type", "text/html");
  response.body = "ok";
  return response;
}

}  // namespace talkline::transport::engineio
