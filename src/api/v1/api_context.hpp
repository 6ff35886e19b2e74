#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/v1/download_slots.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "services/upload_service.hpp"
#include "services/user_service.hpp"
#include "transport/http/router.hpp"

namespace talkline::api::v1 {

/// What the REST controllers call. Pointers, not references, so a router can be built
/// without services (the OpenAPI drift test only lists the routes).
struct ApiContext {
  services::AuthService* auth = nullptr;
  services::UserService* users = nullptr;
  services::ConversationService* conversations = nullptr;
  services::MessageService* messages = nullptr;
  services::UploadService* uploads = nullptr;
  /// Largest upload body (TALKLINE_UPLOAD_MAX_BYTES).
  std::uint64_t upload_max_bytes = std::uint64_t{25} << 20;
  /// Attachment downloads streaming at once; null: no bound.
  std::shared_ptr<DownloadSlots> downloads;
  /// Succeeds when the node can serve (store reachable); backs /readyz, which answers
  /// 503 when it fails.
  std::function<Result<void>()> readiness;
  /// Something the node can serve without, its own users at least (the bus, shared rate
  /// limits): /readyz names it under "checks" and says "degraded" while it is down, but
  /// stays 200 so the balancer keeps sending this node traffic.
  struct SoftCheck {
    std::string name;
    std::function<bool()> healthy;
  };
  std::vector<SoftCheck> soft_checks;
  /// Prometheus text exposition for /metrics.
  std::function<std::string()> metrics_text;
  std::size_t max_id_list = 1000;
};

/// Registers every route of the HTTP API.
void register_routes(transport::http::Router& router, const ApiContext& context);

void register_auth_routes(transport::http::Router& router, const ApiContext& context);
void register_user_routes(transport::http::Router& router, const ApiContext& context);
void register_conversation_routes(transport::http::Router& router, const ApiContext& context);
void register_message_routes(transport::http::Router& router, const ApiContext& context);
void register_reaction_routes(transport::http::Router& router, const ApiContext& context);
void register_pin_routes(transport::http::Router& router, const ApiContext& context);
void register_upload_routes(transport::http::Router& router, const ApiContext& context);
void register_attachment_routes(transport::http::Router& router, const ApiContext& context);
void register_ops_routes(transport::http::Router& router, const ApiContext& context);

}  // namespace talkline::api::v1
