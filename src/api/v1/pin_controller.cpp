#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"
#include "wire/message_json.hpp"

namespace talkline::api::v1 {

namespace {

// The pin a route names, from its path; the idempotency key, if any, is a query parameter
// (neither PUT nor DELETE needs a body).
Result<services::PinRequest> pin_target(Request& request) {
  services::PinRequest pin;
  TL_TRY_ASSIGN(pin.conversation_id, path_id(request, "id", "conversation"));
  TL_TRY_ASSIGN(pin.message_id, path_id(request, "messageId", "message"));
  if (auto key = request.query_param("clientChangeId")) pin.client_change_id = std::string(*key);
  return pin;
}

}  // namespace

void register_pin_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* messages = context.messages;

  router.add("GET", "/api/v1/conversations/{id}/pins",
             authed_handler(auth, [messages](Request& request, const services::Principal& caller) -> Result<Response> {
               TL_TRY_ASSIGN(const auto id, path_id(request, "id", "conversation"));
               TL_TRY_ASSIGN(const auto pins, messages->pins(caller, id));
               util::Json items = util::Json::array();
               for (const auto& pin : pins) items.push_back(wire::pin_json(pin));
               return json_response(200, {{"items", std::move(items)}});
             }));

  for (const bool pin : {true, false}) {
    router.add(pin ? "PUT" : "DELETE", "/api/v1/conversations/{id}/pins/{messageId}",
               authed_handler(auth,
                              [messages, pin](Request& request, const services::Principal& caller) -> Result<Response> {
                                TL_TRY_ASSIGN(const auto target, pin_target(request));
                                TL_TRY_ASSIGN(const auto outcome, messages->pin(caller, target, pin));
                                return json_response(200, wire::change_json(outcome.change));
                              }));
  }
}

}  // namespace talkline::api::v1
