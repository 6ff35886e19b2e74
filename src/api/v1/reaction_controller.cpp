#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"
#include "wire/message_json.hpp"

namespace talkline::api::v1 {

namespace {

// The message a reaction route names, from its path.
Result<services::ReactionRequest> reaction_target(Request& request) {
  services::ReactionRequest reaction;
  TL_TRY_ASSIGN(reaction.conversation_id, path_id(request, "id", "conversation"));
  TL_TRY_ASSIGN(reaction.message_id, path_id(request, "messageId", "message"));
  return reaction;
}

}  // namespace

// The emoji travels in the body (add) or the query (remove), not the path: one route per
// message whatever the emoji, and no emoji in access logs' paths.
void register_reaction_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* messages = context.messages;

  router.add("POST", "/api/v1/conversations/{id}/messages/{messageId}/reactions",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(auto reaction, reaction_target(request));
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto emoji, string_field(body, "emoji", true));
               TL_TRY_ASSIGN(reaction.client_change_id, string_field(body, "clientChangeId", false));
               reaction.emoji = *emoji;
               TL_TRY_ASSIGN(const auto outcome, messages->react(caller, reaction, true));
               return json_response(200, wire::change_json(outcome.change));
             }));

  router.add("DELETE", "/api/v1/conversations/{id}/messages/{messageId}/reactions",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(auto reaction, reaction_target(request));
               const auto emoji = request.query_param("emoji");
               if (!emoji) return Error::invalid("emoji", "is required");
               reaction.emoji = std::string(*emoji);
               if (auto key = request.query_param("clientChangeId")) reaction.client_change_id = std::string(*key);
               TL_TRY_ASSIGN(const auto outcome, messages->react(caller, reaction, false));
               return json_response(200, wire::change_json(outcome.change));
             }));
}

}  // namespace talkline::api::v1
