#include "api/v1/request_helpers.hpp"

#include "api/v1/problem.hpp"
#include "transport/http/bearer_token.hpp"
#include "util/log.hpp"

#include <cstdint>

namespace talkline::api::v1 {
Response error_from(const Error& error) { return error_response(error); }

transport::http::Handler api_handler(ApiHandler handler) {
  return [handler = std::move(handler)](Request& request) {
    auto result = handler(request);
    if (result.ok()) return std::move(result).value();
    const auto& error = result.error();
    // The client sees a generic problem; the cause goes to the log, tied to the request.
    if (error.code == ErrorCode::internal || error.code == ErrorCode::unavailable) {
      util::log::write(error.code == ErrorCode::internal ? util::log::Level::error : util::log::Level::warn,
                       "http.handler_failed",
                       {{"code", error_code_name(error.code)},
                        {"error", std::string_view(error.message)},
                        {"path", std::string_view(request.path)},
                        {"request_id", std::string_view(request.request_id)}});
    }
    return error_response(error);
  };
}

transport::http::Handler authed_handler(services::AuthService* auth, AuthedHandler handler) {
  return api_handler([auth, handler = std::move(handler)](Request& request) -> Result<Response> {
    TL_TRY_ASSIGN(const auto caller, authenticate(*auth, request));
    return handler(request, caller);
  });
}

Response json_response(int status, const util::Json& body) { return Response::json(status, util::dump_json(body)); }

Result<services::Principal> authenticate(services::AuthService& auth, const Request& request) {
  TL_TRY_ASSIGN(const auto token, transport::http::bearer_token(request));
  return auth.authenticate(token);
}

Result<util::Json> json_body(const Request& request, bool empty_ok) {
  if (request.body.empty()) {
    if (empty_ok) return util::Json::object();
    return Error::invalid("body", "a JSON object is required");
  }
  return util::parse_json_object(request.body);
}

Result<model::Id> path_id(const Request& request, std::string_view name, std::string_view what) {
  const auto id = util::parse_id(request.path_param(name));
  if (!id) return Error::not_found(std::string(what) + " not found");
  return *id;
}

}  // namespace talkline::api::v1
