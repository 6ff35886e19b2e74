#include "api/v1/api_context.hpp"
#include "api/v1/page_json.hpp"
#include "api/v1/request_helpers.hpp"
#include "wire/user_json.hpp"

namespace talkline::api::v1 {
namespace {

Result<model::ProfilePatch> profile_patch_from(const util::Json& body) {
  model::ProfilePatch patch;
  TL_TRY_ASSIGN(patch.display_name, string_field(body, "displayName", false));
  TL_TRY_ASSIGN(patch.bio, string_field(body, "bio", false));
  TL_TRY_ASSIGN(patch.avatar_url, string_field(body, "avatarUrl", false));
  // avatarUrl: null clears the picture, which the store records as an empty string.
  if (!patch.avatar_url && body.contains("avatarUrl")) patch.avatar_url = std::string();
  return patch;
}

}  // namespace

void register_user_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* users = context.users;

  router.add("GET", "/api/v1/users/me",
             authed_handler(auth, [users](Request&, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto user, users->get(caller.user_id));
               return json_response(200, wire::user_json(user));
             }));

  router.add("PATCH", "/api/v1/users/me",
             authed_handler(auth, [users](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto patch, profile_patch_from(body));
               TL_TRY_ASSIGN(const auto user, users->update_profile(caller, patch));
               return json_response(200, wire::user_json(user));
             }));

  router.add("GET", "/api/v1/users/{id}",
             authed_handler(auth, [users](Request& request, const services::Principal&) -> Result<Response> {
               TL_TRY_ASSIGN(const auto id, path_id(request, "id", "user"));
               TL_TRY_ASSIGN(const auto user, users->get(id));
               return json_response(200, wire::user_json(user));
             }));

  router.add("GET", "/api/v1/users",
             authed_handler(auth, [users](Request& request, const services::Principal&) -> Result<Response> {
               const auto query = request.query_param("q");
               if (!query) return Error::invalid("q", "is required");
               TL_TRY_ASSIGN(const auto page,
                             users->search(*query, request.query_param("cursor"), request.query_param("limit")));
               return json_response(200, page_json(page, wire::user_json));
             }));

  router.add("GET", "/api/v1/admin/users",
             authed_handler(auth, [users](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto page,
                             users->list_all(caller, request.query_param("cursor"), request.query_param("limit")));
               return json_response(200, page_json(page, wire::admin_user_json));
             }));

  // The suspension is a resource of the account: PUT puts it in force, DELETE lifts it;
  // both are idempotent and take no body.
  for (const bool suspend : {true, false}) {
    router.add(
        suspend ? "PUT" : "DELETE", "/api/v1/admin/users/{id}/suspension",
        authed_handler(auth, [auth, suspend](Request& request, const services::Principal& caller) -> Result<Response> {
          TL_TRY_ASSIGN(const auto id, path_id(request, "id", "user"));
          TL_TRY_ASSIGN(const auto user, suspend ? auth->suspend(caller, id) : auth->reinstate(caller, id));
          return json_response(200, wire::admin_user_json(user));
        }));
  }
}

}  // namespace talkline::api::v1
