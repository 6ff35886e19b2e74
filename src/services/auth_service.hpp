#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/user.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "services/event_publisher.hpp"
#include "services/limits.hpp"
#include "services/principal.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"
#include "util/password.hpp"
#include "util/result.hpp"

namespace talkline::services {

struct AuthSettings {
  std::string jwt_secret;  // at least 32 bytes
  std::string issuer = "talkline";
  std::string audience = "talkline";
  int access_token_ttl_seconds = 900;
  int refresh_token_ttl_seconds = 30 * 24 * 3600;
  util::Argon2Params argon2;
  int login_failures_per_username = 10;
  int login_failures_per_ip = 50;
  int login_failure_window_seconds = 300;
  int registrations_per_ip_per_hour = 100;
  DomainLimits limits;
};

/// What register, login and refresh hand back.
struct AuthTokens {
  model::User user;
  std::string access_token;
  std::string refresh_token;
  int expires_in = 0;  // access token lifetime, seconds
};

/// Accounts and login sessions: registration, password login, refresh-token rotation
/// with reuse detection, logout, and access-token verification.
class AuthService {
 public:
  AuthService(store::Store& store, util::IdGenerator& ids, const util::Clock& clock, ratelimit::RateLimiter& limiter,
              AuthSettings settings);

  /// Where ended sessions are announced (so their sockets close); none by default.
  void publish_to(EventPublisher* events) { events_ = events; }

  /// Registrations are rate limited per client address.
  Result<AuthTokens> register_user(std::string_view username, std::string_view password,
                                   std::optional<std::string_view> display_name, std::string_view client_address);
  /// Failed attempts count against the username and the client address; past either
  /// limit every attempt is refused with `rate_limited` before the password is checked.
  /// Successful attempts do not count.
  Result<AuthTokens> login(std::string_view username, std::string_view password, std::string_view client_address);
  /// Rotates a refresh token. A token that was already rotated revokes its whole login
  /// session: whoever holds the newer token must log in again.
  Result<AuthTokens> refresh(std::string_view refresh_token);
  /// Ends the caller's login session; its access and refresh tokens stop working.
  Result<void> logout(const Principal& principal);
  /// Verifies an access token and that its session is still live.
  Result<Principal> authenticate(std::string_view access_token);
  /// For connections that outlive their access token's check, all at once: of
  /// `principals`, the login sessions that may no longer be used, by session id, each with
  /// why: `unauthenticated` once the session has ended, `forbidden` once the account is
  /// suspended. A few store reads however many are asked about (one call per connection
  /// cost a burst of thousands of store round trips every sweep).
  Result<std::unordered_map<model::Id, Error>> ended_sessions(const std::vector<Principal>& principals);
  /// `forbidden` when the account is suspended; what authenticate() does not check.
  Result<void> account_usable(model::Id user_id);

  /// Suspends an account (administrators only) and returns it: it can no longer log in
  /// or refresh, and each of its login sessions ends at once (access tokens stop working,
  /// sockets close with session:ended). Suspending a suspended account keeps the time of
  /// the first suspension and ends any session that began since. `forbidden` when the
  /// caller is not an admin, `invalid_argument` on "id" for the caller's own account,
  /// `not_found` when there is no such user.
  Result<model::User> suspend(const Principal& caller, model::Id user_id);
  /// Lifts a suspension (administrators only) and returns the account, which may log in
  /// again; the sessions the suspension ended stay ended. Lifting none changes nothing.
  /// `forbidden` and `not_found` as for suspend().
  Result<model::User> reinstate(const Principal& caller, model::Id user_id);

  /// Creates `username` as an admin, or promotes the existing user (password ignored then).
  Result<model::User> ensure_admin(std::string_view username, std::string_view password);

 private:
  Result<AuthTokens> start_session(model::User user);
  Result<AuthTokens> issue(model::User user, model::Id family_id, std::string refresh_token);
  std::string sign_access_token(const model::User& user, model::Id family_id);
  model::RefreshToken make_refresh_row(model::Id user_id, model::Id family_id, const std::string& token);

  void session_ended(model::Id user_id, model::Id session_id);

  store::Store& store_;
  EventPublisher* events_ = nullptr;
  util::IdGenerator& ids_;
  const util::Clock& clock_;
  ratelimit::RateLimiter& limiter_;
  AuthSettings settings_;
  std::string dummy_hash_;  // verified against when a username is unknown, to even out timing
};

}  // namespace talkline::services
