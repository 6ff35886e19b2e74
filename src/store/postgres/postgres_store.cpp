#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <utility>

#include "store/postgres/append_writer.hpp"
#include "store/postgres/change_queries.hpp"
#include "store/postgres/retention_queries.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/connection_pool.hpp"
#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/message_queries.hpp"
#include "store/postgres/message_views.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pin_queries.hpp"
#include "store/postgres/reaction_queries.hpp"
#include "store/postgres/token_queries.hpp"
#include "store/postgres/transaction.hpp"
#include "store/postgres/upload_queries.hpp"
#include "store/postgres/user_queries.hpp"

namespace talkline::store::postgres {

namespace {

Result<void> check_options(const PostgresOptions& options) {
  char* message = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &message);
  if (parsed == nullptr) {
    std::string reason = message != nullptr ? message : "cannot parse";
    PQfreemem(message);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return Error::invalid("url", reason);
  }
  PQconninfoFree(parsed);
  if (options.connections < 1) return Error::invalid("connections", "must be at least 1");
  if (options.statement_timeout_ms < 1) return Error::invalid("statement_timeout_ms", "must be positive");
  if (options.max_pipeline < 1) return Error::invalid("max_pipeline", "must be at least 1");
  if (options.append_writers < 1) return Error::invalid("append_writers", "must be at least 1");
  if (options.commit_window.count() < 0) return Error::invalid("commit_window", "must not be negative");
  return ok_result();
}

model::Millis wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const PostgresOptions& options) {
  try {
    TL_TRY(check_options(options));
    ConnectionOptions connection_options{options.url, options.connect_timeout_seconds, options.statement_timeout_ms};
    TL_TRY_ASSIGN(std::unique_ptr<Connection> first, Connection::open(connection_options));
    TL_TRY(apply_migrations(*first, builtin_migrations(), wall_clock_ms()));
    std::vector<std::unique_ptr<AppendWriter>> appends;
    for (int i = 0; i < options.append_writers; ++i) {
      appends.push_back(
          std::make_unique<AppendWriter>(connection_options, static_cast<std::size_t>(options.max_append_batch),
                                         options.commit_window));
    }
    auto pool = std::make_unique<ConnectionPool>(std::move(connection_options), options.connections,
                                                 static_cast<std::size_t>(options.max_pipeline), std::move(first));
    return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool), std::move(appends)));
  } catch (const std::exception& e) {
    return Error::internal(std::string("opening the postgres store failed: ") + e.what());
  }
}

PostgresStore::PostgresStore(std::unique_ptr<ConnectionPool> pool, std::vector<std::unique_ptr<AppendWriter>> appends)
    : pool_(std::move(pool)), appends_(std::move(appends)) {}

PostgresStore::~PostgresStore() { close(); }

void PostgresStore::close() {
  std::lock_guard lock(close_mutex_);
  for (auto& writer : appends_) writer->stop();
  pool_->stop();
}

template <typename T, typename Body>
Result<T> PostgresStore::single(Body&& body) {
  try {
    return body(static_cast<Executor&>(*pool_));
  } catch (const std::exception& e) {
    return Error::internal(std::string("postgres call failed: ") + e.what());
  }
}

template <typename T, typename Body>
Result<T> PostgresStore::transaction(bool read_only, Body&& body) {
  std::optional<Result<T>> produced;
  Result<void> ran = pool_->run_task([&](Connection& db) -> Result<void> {
    produced.emplace(run_transaction<T>(db, read_only, body));
    return ok_result();
  });
  if (!ran.ok()) return ran.take_error();
  if (!produced) return Error::internal("transaction did not run");
  return std::move(*produced);
}

template <typename T, typename Body>
void PostgresStore::task_async(Body body, std::function<void(Result<T>)> done) {
  auto produced = std::make_shared<std::optional<Result<T>>>();
  auto task = [produced, body = std::move(body)](Connection& db) -> Result<void> {
    produced->emplace(body(db));
    return ok_result();
  };
  pool_->run_task_async(std::move(task), [produced, done = std::move(done)](Result<void> ran) {
    if (!ran.ok()) return done(ran.take_error());
    if (!*produced) return done(Error::internal("postgres task did not run"));
    done(std::move(**produced));
  });
}

PostgresStore::StatementStats PostgresStore::statement_stats() const {
  return {pool_->statements_sent(), pool_->statement_round_trips()};
}

Result<void> PostgresStore::ping() {
  // A standby answers queries but cannot take writes, so it does not count as ready.
  TL_TRY_ASSIGN(Rows rows, pool_->run_statement("SELECT pg_is_in_recovery()", Params()));
  if (rows.empty() || rows.text(0, 0) != "f") return Error::unavailable("postgres is a read-only standby");
  return ok_result();
}

// ---- users ---------------------------------------------------------------------------

Result<model::User> PostgresStore::user_insert(const model::NewUser& user) {
  return single<model::User>([&](Executor& db) { return insert_user(db, user); });
}

Result<model::User> PostgresStore::user_get(Id user_id) {
  return single<model::User>([&](Executor& db) { return find_user(db, user_id); });
}

Result<model::UserCredentials> PostgresStore::user_get_credentials(const std::string& username) {
  return single<model::UserCredentials>([&](Executor& db) { return find_credentials(db, username); });
}

Result<model::User> PostgresStore::user_update_profile(Id user_id, const model::ProfilePatch& patch) {
  return single<model::User>([&](Executor& db) { return update_profile(db, user_id, patch); });
}

Result<model::User> PostgresStore::user_set_role(Id user_id, model::Role role) {
  return single<model::User>([&](Executor& db) { return set_user_role(db, user_id, role); });
}

Result<model::User> PostgresStore::user_set_suspended(Id user_id, std::optional<Millis> at) {
  return single<model::User>([&](Executor& db) { return set_user_suspended(db, user_id, at); });
}

Result<void> PostgresStore::users_touch_last_seen(const std::vector<model::LastSeen>& seen) {
  if (seen.empty()) return ok_result();
  return single<void>([&](Executor& db) { return touch_last_seen(db, seen); });
}

Result<std::vector<model::User>> PostgresStore::user_search_prefix(const std::string& prefix,
                                                                   const std::optional<std::string>& after_username,
                                                                   int limit) {
  return single<std::vector<model::User>>(
      [&](Executor& db) { return search_users_by_prefix(db, prefix, after_username, limit); });
}

Result<std::vector<model::User>> PostgresStore::user_list(std::optional<Id> after_id, int limit) {
  return single<std::vector<model::User>>([&](Executor& db) { return list_users(db, after_id, limit); });
}

// ---- refresh tokens ------------------------------------------------------------------

Result<void> PostgresStore::refresh_token_insert(const model::RefreshToken& token) {
  return single<void>([&](Executor& db) { return insert_refresh_token(db, token); });
}

Result<model::RefreshToken> PostgresStore::refresh_token_get_by_hash(const std::string& token_hash) {
  return single<model::RefreshToken>([&](Executor& db) { return find_refresh_token_by_hash(db, token_hash); });
}

Result<bool> PostgresStore::refresh_token_rotate(Id old_token_id, const model::RefreshToken& replacement, Millis now) {
  return single<bool>([&](Executor& db) { return rotate_refresh_token(db, old_token_id, replacement, now); });
}

Result<void> PostgresStore::session_revoke(Id family_id, Millis now) {
  return single<void>([&](Executor& db) { return revoke_session(db, family_id, now); });
}

Result<std::vector<Id>> PostgresStore::user_sessions_revoke(Id user_id, Millis now) {
  return single<std::vector<Id>>([&](Executor& db) { return revoke_user_sessions(db, user_id, now); });
}

Result<bool> PostgresStore::session_is_active(Id family_id) {
  return single<bool>([&](Executor& db) { return is_session_active(db, family_id); });
}

Result<std::vector<Id>> PostgresStore::sessions_inactive(const std::vector<Id>& family_ids) {
  if (family_ids.empty()) return std::vector<Id>{};
  return single<std::vector<Id>>([&](Executor& db) { return inactive_sessions(db, family_ids); });
}

Result<std::vector<Id>> PostgresStore::users_locked_out(const std::vector<Id>& user_ids) {
  if (user_ids.empty()) return std::vector<Id>{};
  return single<std::vector<Id>>([&](Executor& db) { return locked_out_users(db, user_ids); });
}

// ---- conversations and members -------------------------------------------------------

Result<Store::DirectOutcome> PostgresStore::conversation_create_direct(const model::NewDirectConversation& c) {
  return transaction<DirectOutcome>(false, [&](Executor& db) { return create_direct_conversation(db, c); });
}

Result<model::Conversation> PostgresStore::conversation_create_group(const model::NewGroupConversation& c) {
  return transaction<model::Conversation>(false, [&](Executor& db) { return create_group_conversation(db, c); });
}

Result<model::Conversation> PostgresStore::conversation_get(Id conversation_id) {
  return single<model::Conversation>([&](Executor& db) { return load_conversation(db, conversation_id); });
}

Result<std::vector<model::ConversationSummary>> PostgresStore::conversation_list_for_user(
    Id user_id, const std::optional<ActivityCursor>& after, int limit) {
  return transaction<std::vector<model::ConversationSummary>>(
      true, [&](Executor& db) { return list_conversations_for_user(db, user_id, after, limit); });
}

Result<model::Conversation> PostgresStore::conversation_rename(Id conversation_id, const std::string& title,
                                                               Millis /*now*/) {
  return single<model::Conversation>([&](Executor& db) { return rename_conversation(db, conversation_id, title); });
}

Result<model::Member> PostgresStore::member_get(Id conversation_id, Id user_id) {
  return single<model::Member>([&](Executor& db) { return find_member(db, conversation_id, user_id); });
}

Result<model::Conversation> PostgresStore::member_add(Id conversation_id, const std::vector<Id>& user_ids, Millis now,
                                                      int max_members) {
  return transaction<model::Conversation>(
      false, [&](Executor& db) { return add_members(db, conversation_id, user_ids, now, max_members); });
}

Result<void> PostgresStore::member_remove(Id conversation_id, Id user_id, Millis /*now*/) {
  return transaction<void>(false, [&](Executor& db) { return remove_member(db, conversation_id, user_id); });
}

Result<model::Conversation> PostgresStore::member_set_role(Id conversation_id, Id user_id, model::MemberRole role) {
  return transaction<model::Conversation>(
      false, [&](Executor& db) { return set_member_role(db, conversation_id, user_id, role); });
}

// The move commits on its own (one statement); the members are read right after it on
// the same connection, so the receipt goes to the members as they were at about that time.
void PostgresStore::member_cursor_advance_async(Id conversation_id, Id user_id, const model::CursorMove& move,
                                                std::function<void(Result<model::CursorAdvance>)> done) {
  task_async<model::CursorAdvance>(
      [conversation_id, user_id, move](Connection& db) -> Result<model::CursorAdvance> {
        TL_TRY_ASSIGN(model::CursorAdvance advance, advance_member_cursor(db, conversation_id, user_id, move));
        if (advance.moved) {
          TL_TRY_ASSIGN(advance.member_ids, member_user_ids(db, conversation_id));
        }
        return advance;
      },
      std::move(done));
}

// ---- messages ------------------------------------------------------------------------

PostgresStore::SendStats PostgresStore::send_stats() const {
  SendStats stats;
  for (const auto& writer : appends_) {
    stats.sends += writer->appends();
    stats.transactions += writer->transactions();
  }
  return stats;
}

// One conversation, one writer: its sends then commit and complete in seq order on one
// thread, and the node's writers never wait on each other's conversation locks.
AppendWriter& PostgresStore::writer_for(Id conversation_id) {
  return *appends_[static_cast<std::uint64_t>(conversation_id) % appends_.size()];
}

Result<model::SendOutcome> PostgresStore::message_insert(const model::NewMessage& message) {
  std::promise<Result<model::SendOutcome>> answer;
  auto outcome = answer.get_future();
  writer_for(message.conversation_id).submit(message, [&answer](Result<model::SendOutcome> result) {
    answer.set_value(std::move(result));
  });
  return outcome.get();
}

void PostgresStore::message_insert_async(const model::NewMessage& message,
                                         std::function<void(Result<model::SendOutcome>)> done) {
  writer_for(message.conversation_id).submit(message, std::move(done));
}

void PostgresStore::message_change_async(const model::MessageChange& change,
                                         std::function<void(Result<model::ChangeOutcome>)> done) {
  writer_for(change.conversation_id).submit_change(change, std::move(done));
}

Result<std::vector<model::Change>> PostgresStore::change_list(Id conversation_id, Seq after, int limit) {
  return single<std::vector<model::Change>>(
      [&](Executor& db) { return list_changes(db, conversation_id, after, limit); });
}

Result<std::vector<model::ReactionMark>> PostgresStore::reactions_of_user(Id user_id, Id conversation_id,
                                                                          const std::vector<Seq>& seqs) {
  return single<std::vector<model::ReactionMark>>(
      [&](Executor& db) { return postgres::reactions_of_user(db, user_id, conversation_id, seqs); });
}

Result<Seq> PostgresStore::mention_count(Id conversation_id, Id user_id, Seq after_seq) {
  return single<Seq>([&](Executor& db) { return count_mentions(db, conversation_id, user_id, after_seq); });
}

Result<std::vector<model::Pin>> PostgresStore::pin_list(Id conversation_id) {
  return single<std::vector<model::Pin>>([&](Executor& db) { return list_pins(db, conversation_id); });
}

// ---- retention -----------------------------------------------------------------------

Result<model::Conversation> PostgresStore::conversation_set_retention(Id conversation_id, std::optional<int> days) {
  return single<model::Conversation>(
      [&](Executor& db) { return set_conversation_retention(db, conversation_id, days); });
}

Result<std::vector<Id>> PostgresStore::conversations_due_for_expiry(Millis now, Millis default_retention, Id after_id,
                                                                    int limit) {
  return single<std::vector<Id>>(
      [&](Executor& db) { return conversations_due(db, now, default_retention, after_id, limit); });
}

// Through the conversation's append writer, like its changes: each batch commits between
// the conversation's sends, in order with them.
void PostgresStore::message_expire_async(const model::ExpiryRequest& request,
                                         std::function<void(Result<model::ExpiryOutcome>)> done) {
  writer_for(request.conversation_id).submit_expiry(request, std::move(done));
}

Result<std::vector<model::Message>> PostgresStore::message_list(Id conversation_id, std::optional<Seq> before,
                                                                std::optional<Seq> after, int limit) {
  return single<std::vector<model::Message>>(
      [&](Executor& db) { return list_messages(db, conversation_id, before, after, limit); });
}

Result<std::vector<model::Message>> PostgresStore::message_search(Id user_id, const std::vector<std::string>& terms,
                                                                  std::optional<Id> conversation_id,
                                                                  std::optional<Id> before_id, int limit) {
  return single<std::vector<model::Message>>(
      [&](Executor& db) { return search_messages(db, user_id, terms, conversation_id, before_id, limit); });
}

// ---- uploads -------------------------------------------------------------------------

Result<model::Upload> PostgresStore::upload_insert(const model::Upload& upload, Millis quota_since,
                                                   std::uint64_t quota_bytes) {
  return transaction<model::Upload>(
      false, [&](Executor& db) { return insert_upload(db, upload, quota_since, quota_bytes); });
}

Result<model::Upload> PostgresStore::upload_get(Id upload_id) {
  return single<model::Upload>([&](Executor& db) { return find_upload(db, upload_id); });
}

Result<std::uint64_t> PostgresStore::upload_bytes_since(Id uploader_id, Millis since) {
  return single<std::uint64_t>([&](Executor& db) { return uploaded_bytes_since(db, uploader_id, since); });
}

Result<int> PostgresStore::upload_sweep(Millis created_before, int limit) {
  return single<int>([&](Executor& db) { return sweep_uploads(db, created_before, limit); });
}

Result<int> PostgresStore::upload_usage_prune(Millis before, int limit) {
  return single<int>([&](Executor& db) { return prune_upload_usage(db, before, limit); });
}

Result<std::vector<std::string>> PostgresStore::blob_release_list(const std::string& after_key, int limit) {
  return single<std::vector<std::string>>([&](Executor& db) { return list_blob_releases(db, after_key, limit); });
}

Result<void> PostgresStore::blob_release_done(const std::vector<std::string>& blob_keys) {
  return single<void>([&](Executor& db) { return forget_blob_releases(db, blob_keys); });
}

}  // namespace talkline::store::postgres
