#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/auth_service.hpp"
#include "transport/http/message.hpp"
#include "transport/http/router.hpp"
#include "util/json.hpp"
#include "util/json_fields.hpp"
#include "util/result.hpp"

namespace talkline::api::v1 {

using transport::http::Request;
using transport::http::Response;

/// The caller named by `Authorization: Bearer <token>`, or `unauthenticated`.
Result<services::Principal> authenticate(services::AuthService& auth, const Request& request);

/// The request body as a JSON object; an empty body counts as `{}` only when
/// `empty_ok` is set.
Result<util::Json> json_body(const Request& request, bool empty_ok = false);

// Typed field readers, shared with the real-time layer (util/json_fields.hpp).
using util::id_field;
using util::id_list_field;
using util::integer_field;
using util::string_field;

/// A `{name}` path segment as an id. Malformed ids cannot name anything, so they are
/// `not_found` with the given description.
Result<model::Id> path_id(const Request& request, std::string_view name, std::string_view what);

Response json_response(int status, const util::Json& body);
Response error_from(const Error& error);

/// Handlers of the API return Result<Response>; errors become problem+json here, once.
using ApiHandler = std::function<Result<Response>(Request&)>;
using AuthedHandler = std::function<Result<Response>(Request&, const services::Principal&)>;

transport::http::Handler api_handler(ApiHandler handler);
/// Like api_handler, after resolving the bearer token to a Principal.
transport::http::Handler authed_handler(services::AuthService* auth, AuthedHandler handler);

}  // namespace talkline::api::v1
