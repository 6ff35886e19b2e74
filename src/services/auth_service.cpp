#include "services/auth_service.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "services/admin_only.hpp"
#include "services/validation.hpp"
#include "util/crypto.hpp"
#include "util/json.hpp"
#include "util/jwt.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::services {
namespace {

ratelimit::Limit failure_limit(int failures, int window_seconds) {
  return {static_cast<double>(failures), static_cast<double>(failures) / window_seconds};
}

Error bad_credentials() { return Error::unauthenticated("username or password is incorrect"); }

}  // namespace

AuthService::AuthService(store::Store& store, util::IdGenerator& ids, const util::Clock& clock,
                         ratelimit::RateLimiter& limiter, AuthSettings settings)
    : store_(store), ids_(ids), clock_(clock), limiter_(limiter), settings_(std::move(settings)) {
  dummy_hash_ = util::password_hash("talkline-timing-equaliser", settings_.argon2);
}

Result<AuthTokens> AuthService::register_user(std::string_view username, std::string_view password,
                                              std::optional<std::string_view> display_name,
                                              std::string_view client_address) {
  TL_TRY_ASSIGN(const std::string normalized, validation::username(username));
  TL_TRY(validation::password(password));
  if (display_name) TL_TRY(validation::display_name(*display_name, settings_.limits));
  // Hashing is deliberately expensive; without a bound a few addresses could keep every
  // worker busy registering.
  const ratelimit::Limit per_ip{static_cast<double>(settings_.registrations_per_ip_per_hour),
                                settings_.registrations_per_ip_per_hour / 3600.0};
  const auto allowed = limiter_.acquire("register:ip:" + std::string(client_address), per_ip);
  if (!allowed.allowed) {
    util::metrics::node_metrics().refuse(util::metrics::Limit::registration);
    return Error::rate_limited("too many registrations from this address; try again later",
                               allowed.retry_after_seconds);
  }

  model::NewUser user;
  user.id = ids_.next();
  user.username = normalized;
  user.display_name = display_name ? std::string(*display_name) : std::string(username);
  user.password_hash = util::password_hash(password, settings_.argon2);
  user.created_at = clock_.now_ms();
  auto created = store_.user_insert(user);
  if (!created.ok()) {
    if (created.error().code == ErrorCode::conflict) return Error::conflict("username is already taken");
    return created.take_error();
  }
  return start_session(std::move(created).value());
}

Result<AuthTokens> AuthService::login(std::string_view username, std::string_view password,
                                      std::string_view client_address) {
  // A malformed username cannot exist; it shares one bucket so that junk names can
  // neither grow the limiter nor the log without bound.
  auto normalized = validation::username(username);
  const std::string name = normalized.ok() ? normalized.value() : std::string("(invalid)");
  const std::string user_key = "login:user:" + name;
  const std::string ip_key = "login:ip:" + std::string(client_address);
  const auto per_user = failure_limit(settings_.login_failures_per_username, settings_.login_failure_window_seconds);
  const auto per_ip = failure_limit(settings_.login_failures_per_ip, settings_.login_failure_window_seconds);

  // Every attempt takes its token up front and gets it back if it succeeds: checking
  // first and charging only failures would let concurrent guesses all pass the check.
  const auto by_user = limiter_.acquire(user_key, per_user);
  if (!by_user.allowed) {
    util::metrics::node_metrics().refuse(util::metrics::Limit::login);
    return Error::rate_limited("too many failed logins; try again later", by_user.retry_after_seconds);
  }
  const auto by_ip = limiter_.acquire(ip_key, per_ip);
  if (!by_ip.allowed) {
    limiter_.refund(user_key, per_user);
    util::metrics::node_metrics().refuse(util::metrics::Limit::login);
    return Error::rate_limited("too many failed logins; try again later", by_ip.retry_after_seconds);
  }

  auto record_failure = [&] {
    util::log::info("auth.login_failed", {{"username", std::string_view(name)}, {"remote", client_address}});
    return bad_credentials();
  };

  if (!normalized.ok() || password.size() > 256) {
    (void)util::password_verify(dummy_hash_, password.substr(0, 256));
    return record_failure();
  }
  auto credentials = store_.user_get_credentials(normalized.value());
  if (!credentials.ok()) {
    if (credentials.error().code != ErrorCode::not_found) return credentials.take_error();
    (void)util::password_verify(dummy_hash_, password);
    return record_failure();
  }
  if (!util::password_verify(credentials->password_hash, password)) return record_failure();
  limiter_.refund(user_key, per_user);
  limiter_.refund(ip_key, per_ip);
  if (credentials->user.banned_at) return Error::forbidden("this account is suspended");
  return start_session(std::move(credentials->user));
}

Result<AuthTokens> AuthService::refresh(std::string_view refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > 128) {
    return Error::unauthenticated("refresh token is invalid");
  }
  auto row = store_.refresh_token_get_by_hash(util::sha256_hex(refresh_token));
  if (!row.ok()) {
    if (row.error().code == ErrorCode::not_found) return Error::unauthenticated("refresh token is invalid");
    return row.take_error();
  }
  const auto now = clock_.now_ms();
  if (row->revoked_at) return Error::unauthenticated("session has ended");
  if (row->used_at) {
    // Someone presented a token that was already exchanged: one of the two holders is
    // not the user. End the session for both.
    TL_TRY(store_.session_revoke(row->family_id, now));
    session_ended(row->user_id, row->family_id);
    util::log::warn("auth.refresh_reuse", {{"session", static_cast<std::int64_t>(row->family_id)}});
    return Error::unauthenticated("refresh token was already used; session revoked");
  }
  if (row->expires_at <= now) return Error::unauthenticated("refresh token has expired");

  TL_TRY_ASSIGN(auto user, store_.user_get(row->user_id));
  if (user.banned_at) return Error::forbidden("this account is suspended");

  std::string next_token = util::random_token();
  const auto replacement = make_refresh_row(user.id, row->family_id, next_token);
  TL_TRY_ASSIGN(const bool rotated, store_.refresh_token_rotate(row->id, replacement, now));
  if (!rotated) {
    // Lost a race with another refresh of the same token: that is reuse as well.
    TL_TRY(store_.session_revoke(row->family_id, now));
    session_ended(row->user_id, row->family_id);
    return Error::unauthenticated("refresh token was already used; session revoked");
  }
  return issue(std::move(user), row->family_id, std::move(next_token));
}

Result<void> AuthService::logout(const Principal& principal) {
  TL_TRY(store_.session_revoke(principal.session_id, clock_.now_ms()));
  session_ended(principal.user_id, principal.session_id);
  return {};
}

void AuthService::session_ended(model::Id user_id, model::Id session_id) {
  if (events_) events_->session_ended(user_id, session_id);
}

Result<Principal> AuthService::authenticate(std::string_view access_token) {
  util::JwtVerifyOptions options;
  options.issuer = settings_.issuer;
  options.audience = settings_.audience;
  options.type = "access";
  options.now_seconds = clock_.now_seconds();
  TL_TRY_ASSIGN(const auto claims, util::jwt_verify(access_token, settings_.jwt_secret, options));

  const auto user_id = util::parse_id(claims.subject);
  const auto session_id = util::parse_id(claims.session);
  const auto role = model::role_from_name(claims.role);
  if (!user_id || !session_id || !role) return Error::unauthenticated("token claims are malformed");
  TL_TRY_ASSIGN(const bool active, store_.session_is_active(*session_id));
  if (!active) return Error::unauthenticated("session has ended");
  return Principal{*user_id, *role, *session_id, {}};
}

Result<std::unordered_map<model::Id, Error>> AuthService::ended_sessions(const std::vector<Principal>& all) {
  // Bounds one statement's list; a node's connections take a few reads at most.
  constexpr std::size_t kIdsPerRead = 2000;
  // A session's tabs and devices share one answer: each is asked about once.
  std::vector<Principal> principals;
  std::unordered_set<model::Id> seen;
  for (const Principal& principal : all) {
    if (seen.insert(principal.session_id).second) principals.push_back(principal);
  }
  std::unordered_map<model::Id, Error> ended;
  for (std::size_t first = 0; first < principals.size(); first += kIdsPerRead) {
    const auto last = std::min(principals.size(), first + kIdsPerRead);
    std::vector<model::Id> session_ids;
    std::vector<model::Id> user_ids;
    for (std::size_t i = first; i < last; ++i) {
      session_ids.push_back(principals[i].session_id);
      user_ids.push_back(principals[i].user_id);
    }
    TL_TRY_ASSIGN(const std::vector<model::Id> inactive, store_.sessions_inactive(session_ids));
    TL_TRY_ASSIGN(const std::vector<model::Id> locked_out, store_.users_locked_out(user_ids));
    const std::unordered_set<model::Id> inactive_set(inactive.begin(), inactive.end());
    const std::unordered_set<model::Id> locked_out_set(locked_out.begin(), locked_out.end());
    for (std::size_t i = first; i < last; ++i) {
      const Principal& principal = principals[i];
      if (inactive_set.contains(principal.session_id)) {
        ended.insert_or_assign(principal.session_id, Error::unauthenticated("session has ended"));
      } else if (locked_out_set.contains(principal.user_id)) {
        ended.insert_or_assign(principal.session_id, Error::forbidden("this account is suspended"));
      }
    }
  }
  return ended;
}

Result<void> AuthService::account_usable(model::Id user_id) {
  TL_TRY_ASSIGN(const auto user, store_.user_get(user_id));
  if (user.banned_at) return Error::forbidden("this account is suspended");
  return {};
}

// The account is marked before its sessions are revoked: a login that reads the account
// after the mark is refused, so the only session that can begin after the revocation is
// one whose login read the account just before the mark. Revoking on every call, not only
// the first, ends such a session too, and completes a suspension whose revocation failed
// when the admin asks again.
Result<model::User> AuthService::suspend(const Principal& caller, model::Id user_id) {
  TL_TRY(admin_only(store_, caller));
  if (user_id == caller.user_id) return Error::invalid("id", "you cannot suspend your own account");
  const model::Millis now = clock_.now_ms();
  TL_TRY_ASSIGN(model::User user, store_.user_set_suspended(user_id, now));
  TL_TRY_ASSIGN(const std::vector<model::Id> ended, store_.user_sessions_revoke(user_id, now));
  for (const model::Id session_id : ended) session_ended(user_id, session_id);
  util::log::info(
      "auth.account_suspended",
      {{"userId", user_id}, {"by", caller.user_id}, {"sessionsEnded", static_cast<std::int64_t>(ended.size())}});
  return user;
}

Result<model::User> AuthService::reinstate(const Principal& caller, model::Id user_id) {
  TL_TRY(admin_only(store_, caller));
  TL_TRY_ASSIGN(model::User user, store_.user_set_suspended(user_id, std::nullopt));
  util::log::info("auth.account_reinstated", {{"userId", user_id}, {"by", caller.user_id}});
  return user;
}

Result<model::User> AuthService::ensure_admin(std::string_view username, std::string_view password) {
  TL_TRY_ASSIGN(const std::string normalized, validation::username(username));
  auto existing = store_.user_get_credentials(normalized);
  if (existing.ok()) return store_.user_set_role(existing->user.id, model::Role::admin);
  if (existing.error().code != ErrorCode::not_found) return existing.take_error();

  TL_TRY(validation::password(password));
  model::NewUser user;
  user.id = ids_.next();
  user.username = normalized;
  user.display_name = std::string(username);
  user.password_hash = util::password_hash(password, settings_.argon2);
  user.role = model::Role::admin;
  user.created_at = clock_.now_ms();
  return store_.user_insert(user);
}

Result<AuthTokens> AuthService::start_session(model::User user) {
  const model::Id family_id = ids_.next();
  std::string token = util::random_token();
  TL_TRY(store_.refresh_token_insert(make_refresh_row(user.id, family_id, token)));
  return issue(std::move(user), family_id, std::move(token));
}

Result<AuthTokens> AuthService::issue(model::User user, model::Id family_id, std::string refresh_token) {
  AuthTokens tokens;
  tokens.access_token = sign_access_token(user, family_id);
  tokens.refresh_token = std::move(refresh_token);
  tokens.expires_in = settings_.access_token_ttl_seconds;
  tokens.user = std::move(user);
  return tokens;
}

std::string AuthService::sign_access_token(const model::User& user, model::Id family_id) {
  util::JwtClaims claims;
  claims.issuer = settings_.issuer;
  claims.audience = settings_.audience;
  claims.subject = std::to_string(user.id);
  claims.session = std::to_string(family_id);
  claims.type = "access";
  claims.role = std::string(model::role_name(user.role));
  claims.token_id = util::random_token(12);
  claims.issued_at = clock_.now_seconds();
  claims.not_before = claims.issued_at;
  claims.expires_at = claims.issued_at + settings_.access_token_ttl_seconds;
  return util::jwt_sign(claims, settings_.jwt_secret);
}

model::RefreshToken AuthService::make_refresh_row(model::Id user_id, model::Id family_id, const std::string& token) {
  model::RefreshToken row;
  row.id = ids_.next();
  row.user_id = user_id;
  row.family_id = family_id;
  row.token_hash = util::sha256_hex(token);
  row.created_at = clock_.now_ms();
  row.expires_at = row.created_at + static_cast<std::int64_t>(settings_.refresh_token_ttl_seconds) * 1000;
  return row;
}

}  // namespace talkline::services
