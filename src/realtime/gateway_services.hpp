#pragma once

#include "presence/presence_directory.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "services/user_service.hpp"
#include "util/clock.hpp"

namespace talkline::realtime {

/// The services behind the chat gateway, shared by the gateway and its parts. They
/// outlive the gateway.
struct GatewayServices {
  services::AuthService& auth;
  /// Records lastSeenAt when a user goes offline everywhere.
  services::UserService& users;
  services::ConversationService& conversations;
  services::MessageService& messages;
  ratelimit::RateLimiter& limiter;
  const util::Clock& clock;
  /// Who is online on any node; decides when presence is announced.
  presence::PresenceDirectory& presence;
};

}  // namespace talkline::realtime
