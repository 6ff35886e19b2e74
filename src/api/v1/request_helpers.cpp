#include "api/v1/request_helpers.hpp"

#include "api/v1/problem.hpp"
#include "util/log.hpp"

#include <cctype>
#include <cstdint>

namespace talkline::api::v1 {
namespace {

Error wrong_type(std::string_view name, std::string_view expected) {
  return Error::invalid(std::string(name), "must be " + std::string(expected));
}

}  // namespace

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
  const auto header = request.header("Authorization");
  if (!header) return Error::unauthenticated("missing bearer token");
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size()) return Error::unauthenticated("malformed Authorization header");
  std::string scheme(header->substr(0, kScheme.size()));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return Error::unauthenticated("Authorization must use the Bearer scheme");
  return auth.authenticate(header->substr(kScheme.size()));
}

Result<util::Json> json_body(const Request& request, bool empty_ok) {
  if (request.body.empty()) {
    if (empty_ok) return util::Json::object();
    return Error::invalid("body", "a JSON object is required");
  }
  return util::parse_json_object(request.body);
}

Result<std::optional<std::string>> string_field(const util::Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<std::string>{};
  }
  if (!it->is_string()) return wrong_type(name, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<model::Id>> id_field(const util::Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<model::Id>{};
  }
  const auto id = util::id_from_json(*it);
  if (!id) return wrong_type(name, "an id (a string of digits)");
  return std::optional<model::Id>(*id);
}

Result<std::vector<model::Id>> id_list_field(const util::Json& body, std::string_view name, bool required,
                                             std::size_t max_items) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::vector<model::Id>{};
  }
  if (!it->is_array()) return wrong_type(name, "an array of ids");
  if (it->size() > max_items) {
    return Error::invalid(std::string(name), "must hold at most " + std::to_string(max_items) + " ids");
  }
  std::vector<model::Id> ids;
  ids.reserve(it->size());
  for (const auto& item : *it) {
    const auto id = util::id_from_json(item);
    if (!id) return wrong_type(name, "an array of ids (strings of digits)");
    ids.push_back(*id);
  }
  return ids;
}

Result<std::optional<std::int64_t>> integer_field(const util::Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<std::int64_t>{};
  }
  if (!it->is_number_integer()) return wrong_type(name, "an integer");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return wrong_type(name, "an integer in range");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<model::Id> path_id(const Request& request, std::string_view name, std::string_view what) {
  const auto id = util::parse_id(request.path_param(name));
  if (!id) return Error::not_found(std::string(what) + " not found");
  return *id;
}

}  // namespace talkline::api::v1
