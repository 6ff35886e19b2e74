#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"
#include "wire/user_json.hpp"

namespace talkline::api::v1 {
namespace {

Response tokens_response(int status, const services::AuthTokens& tokens) {
  return json_response(status, {{"user", wire::user_json(tokens.user)},
                                {"accessToken", tokens.access_token},
                                {"refreshToken", tokens.refresh_token},
                                {"tokenType", "Bearer"},
                                {"expiresIn", tokens.expires_in}});
}

struct Credentials {
  std::string username;
  std::string password;
};

Result<Credentials> credentials_from(const util::Json& body) {
  TL_TRY_ASSIGN(auto username, string_field(body, "username", true));
  TL_TRY_ASSIGN(auto password, string_field(body, "password", true));
  return Credentials{std::move(*username), std::move(*password)};
}

}  // namespace

void register_auth_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;

  router.add("POST", "/api/v1/auth/register", api_handler([auth](Request& request) -> Result<Response> {
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto credentials, credentials_from(body));
               TL_TRY_ASSIGN(const auto display_name, string_field(body, "displayName", false));
               std::optional<std::string_view> name;
               if (display_name) name = *display_name;
               TL_TRY_ASSIGN(const auto tokens, auth->register_user(credentials.username, credentials.password, name,
                                                                    request.remote_address));
               return tokens_response(201, tokens);
             }));

  router.add("POST", "/api/v1/auth/login", api_handler([auth](Request& request) -> Result<Response> {
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto credentials, credentials_from(body));
               TL_TRY_ASSIGN(const auto tokens,
                             auth->login(credentials.username, credentials.password, request.remote_address));
               return tokens_response(200, tokens);
             }));

  router.add("POST", "/api/v1/auth/refresh", api_handler([auth](Request& request) -> Result<Response> {
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto token, string_field(body, "refreshToken", true));
               TL_TRY_ASSIGN(const auto tokens, auth->refresh(*token));
               return tokens_response(200, tokens);
             }));

  router.add("POST", "/api/v1/auth/logout",
             authed_handler(auth, [auth](Request&, const services::Principal& caller) -> Result<Response> {
               TL_TRY(auth->logout(caller));
               return Response::empty(204);
             }));
}

}  // namespace talkline::api::v1
