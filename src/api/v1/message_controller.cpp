#include "api/v1/api_context.hpp"
#include "api/v1/page_json.hpp"
#include "api/v1/request_helpers.hpp"
#include "util/metrics/node_metrics.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::api::v1 {

namespace {

// With attachmentIds the body may be absent or empty.
Result<services::SendRequest> read_send(Request& request, std::size_t max_id_list) {
  services::SendRequest send;
  TL_TRY_ASSIGN(send.conversation_id, path_id(request, "id", "conversation"));
  TL_TRY_ASSIGN(const auto body, json_body(request));
  TL_TRY_ASSIGN(const auto client_msg_id, string_field(body, "clientMsgId", true));
  TL_TRY_ASSIGN(send.attachment_ids, id_list_field(body, "attachmentIds", false, max_id_list));
  TL_TRY_ASSIGN(const auto text, string_field(body, "body", send.attachment_ids.empty()));
  TL_TRY_ASSIGN(send.reply_to, id_field(body, "replyTo", false));
  send.client_msg_id = *client_msg_id;
  send.body = text.value_or("");
  return send;
}

}  // namespace

void register_message_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* messages = context.messages;

  router.add("GET", "/api/v1/conversations/{id}/messages",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(const auto page,
                             messages->history(caller, id, request.query_param("before"), request.query_param("after"),
                                               request.query_param("limit")));
               return json_response(200, page_json(page, wire::message_json));
             }));

  // Idempotent on clientMsgId: the first send answers 201, a retry 200 with the same message.
  // Counted like socket sends (util/metrics/node_metrics.hpp).
  const std::size_t max_id_list = context.max_id_list;
  router.add(
      "POST", "/api/v1/conversations/{id}/messages",
      authed_handler(auth,
                     [messages, max_id_list](Request& request, const services::Principal& caller) -> Result<Response> {
                       auto& counted = util::metrics::node_metrics().messages;
                       auto send = read_send(request, max_id_list);
                       if (!send.ok()) {
                         counted.refuse(send.error().code);
                         return send.take_error();
                       }
                       counted.accepted.add();
                       auto outcome = messages->send(caller, *send);
                       if (!outcome.ok()) {
                         counted.refuse(outcome.error().code);
                         return outcome.take_error();
                       }
                       counted.acked.add();
                       return json_response(outcome->created ? 201 : 200, wire::message_json(outcome->message));
                     }));

  // Idempotent on clientChangeId (optional): a retry answers 200 with the first change.
  router.add("PATCH", "/api/v1/conversations/{id}/messages/{messageId}",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               services::EditRequest edit;
               TL_TRY_ASSIGN(edit.conversation_id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(edit.message_id, path_id(request, "messageId", "message"));
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto text, string_field(body, "body", true));
               TL_TRY_ASSIGN(const auto client_change_id, string_field(body, "clientChangeId", false));
               edit.body = *text;
               edit.client_change_id = client_change_id;
               TL_TRY_ASSIGN(const auto outcome, messages->edit(caller, edit));
               return json_response(200, wire::change_json(outcome.change));
             }));

  // A DELETE carries no body: the idempotency key, if any, is a query parameter.
  router.add("DELETE", "/api/v1/conversations/{id}/messages/{messageId}",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               services::DeleteRequest removal;
               TL_TRY_ASSIGN(removal.conversation_id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(removal.message_id, path_id(request, "messageId", "message"));
               if (auto key = request.query_param("clientChangeId")) removal.client_change_id = std::string(*key);
               TL_TRY_ASSIGN(const auto outcome, messages->remove(caller, removal));
               return json_response(200, wire::change_json(outcome.change));
             }));

  router.add("GET", "/api/v1/conversations/{id}/changes",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(const auto page,
                             messages->changes(caller, id, request.query_param("after"), request.query_param("limit")));
               return json_response(200, page_json(page, wire::change_json));
             }));

  router.add("POST", "/api/v1/conversations/{id}/read",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(const auto body, json_body(request));
               TL_TRY_ASSIGN(const auto seq, integer_field(body, "seq", true));
               TL_TRY_ASSIGN(const auto member, messages->mark_read(caller, id, *seq));
               return json_response(200, {{"conversationId", wire::id_json(id)},
                                          {"deliveredSeq", member.delivered_seq},
                                          {"readSeq", member.read_seq}});
             }));

  router.add("GET", "/api/v1/search/messages",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               const auto query = request.query_param("q");
               if (!query) return Error::invalid("q", "is required");
               TL_TRY_ASSIGN(const auto page,
                             messages->search(caller, *query, request.query_param("conversationId"),
                                              request.query_param("cursor"), request.query_param("limit")));
               return json_response(200, page_json(page, wire::message_json));
             }));
}

}  // namespace talkline::api::v1
