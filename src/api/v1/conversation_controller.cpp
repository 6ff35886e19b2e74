#include "api/v1/api_context.hpp"
#include "api/v1/page_json.hpp"
#include "api/v1/request_helpers.hpp"
#include "wire/conversation_json.hpp"

namespace talkline::api::v1 {

void register_conversation_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* conversations = context.conversations;
  const auto max_ids = context.max_id_list;

  router.add(
      "POST", "/api/v1/conversations",
      authed_handler(auth,
                     [conversations, max_ids](Request& request, const services::Principal& caller) -> Result<Response> {
                       TL_TRY_ASSIGN(const auto body, json_body(request));
                       TL_TRY_ASSIGN(const auto type, string_field(body, "type", true));
                       if (*type == "direct") {
                         TL_TRY_ASSIGN(const auto user_id, id_field(body, "userId", true));
                         TL_TRY_ASSIGN(const auto outcome, conversations->open_direct(caller, *user_id));
                         TL_TRY_ASSIGN(const auto summary, conversations->get(caller, outcome.conversation.id));
                         return json_response(outcome.created ? 201 : 200, wire::conversation_summary_json(summary));
                       }
                       if (*type == "group") {
                         TL_TRY_ASSIGN(const auto title, string_field(body, "title", true));
                         TL_TRY_ASSIGN(const auto member_ids, id_list_field(body, "memberIds", false, max_ids));
                         TL_TRY_ASSIGN(const auto created, conversations->create_group(caller, *title, member_ids));
                         TL_TRY_ASSIGN(const auto summary, conversations->get(caller, created.id));
                         return json_response(201, wire::conversation_summary_json(summary));
                       }
                       return Error::invalid("type", "must be \"direct\" or \"group\"");
                     }));

  router.add(
      "GET", "/api/v1/conversations",
      authed_handler(auth, [conversations](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto page,
                      conversations->list(caller, request.query_param("cursor"), request.query_param("limit")));
        return json_response(200, page_json(page, wire::conversation_summary_json));
      }));

  router.add(
      "GET", "/api/v1/conversations/{id}",
      authed_handler(auth, [conversations](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
        TL_TRY_ASSIGN(const auto summary, conversations->get(caller, id));
        return json_response(200, wire::conversation_summary_json(summary));
      }));

  router.add(
      "PATCH", "/api/v1/conversations/{id}",
      authed_handler(auth, [conversations](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
        TL_TRY_ASSIGN(const auto body, json_body(request));
        // Either field or both, announced once; every value is checked before either is
        // written, so a bad retentionDays leaves the title as it was too.
        const bool renames = body.contains("title");
        const bool retains = body.contains("retentionDays");
        if (!renames && !retains) return Error::invalid("title", "title or retentionDays is required");
        services::ConversationService::Changes changes;
        if (renames) {
          TL_TRY_ASSIGN(changes.title, string_field(body, "title", true));
        }
        changes.sets_retention = retains;
        TL_TRY_ASSIGN(changes.retention_days, integer_field(body, "retentionDays", false));
        TL_TRY(conversations->update(caller, id, changes));
        TL_TRY_ASSIGN(const auto summary, conversations->get(caller, id));
        return json_response(200, wire::conversation_summary_json(summary));
      }));

  router.add(
      "POST", "/api/v1/conversations/{id}/members",
      authed_handler(auth,
                     [conversations, max_ids](Request& request, const services::Principal& caller) -> Result<Response> {
                       TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
                       TL_TRY_ASSIGN(const auto body, json_body(request));
                       TL_TRY_ASSIGN(const auto user_ids, id_list_field(body, "userIds", true, max_ids));
                       TL_TRY(conversations->add_members(caller, id, user_ids));
                       TL_TRY_ASSIGN(const auto summary, conversations->get(caller, id));
                       return json_response(200, wire::conversation_summary_json(summary));
                     }));

  router.add(
      "PATCH", "/api/v1/conversations/{id}/members/{userId}",
      authed_handler(auth, [conversations](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
        TL_TRY_ASSIGN(const auto user_id, path_id(request, "userId", "member"));
        TL_TRY_ASSIGN(const auto body, json_body(request));
        TL_TRY_ASSIGN(const auto role, string_field(body, "role", true));
        TL_TRY(conversations->set_member_role(caller, id, user_id, *role));
        TL_TRY_ASSIGN(const auto summary, conversations->get(caller, id));
        return json_response(200, wire::conversation_summary_json(summary));
      }));

  router.add(
      "DELETE", "/api/v1/conversations/{id}/members/{userId}",
      authed_handler(auth, [conversations](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
        TL_TRY_ASSIGN(const auto user_id, path_id(request, "userId", "member"));
        TL_TRY(conversations->remove_member(caller, id, user_id));
        return Response::empty(204);
      }));
}

}  // namespace talkline::api::v1
