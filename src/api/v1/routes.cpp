#include "api/v1/api_context.hpp"

namespace talkline::api::v1 {

void register_routes(transport::http::Router& router, const ApiContext& context) {
  register_ops_routes(router, context);
  register_auth_routes(router, context);
  register_user_routes(router, context);
  register_conversation_routes(router, context);
  register_message_routes(router, context);
  register_reaction_routes(router, context);
  register_pin_routes(router, context);
  register_upload_routes(router, context);
  register_attachment_routes(router, context);
}

}  // namespace talkline::api::v1
