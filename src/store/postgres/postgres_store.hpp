#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace talkline::store::postgres {

class AppendWriter;
class ConnectionPool;

struct PostgresOptions {
  /// libpq URI or connection string: postgres://user:password@host:port/db?sslmode=…
  std::string url;
  /// Connections, each served by its own thread; calls beyond this many at once queue.
  int connections = 8;
  /// Time allowed to connect (whole seconds; libpq's connect_timeout, at least 2).
  int connect_timeout_seconds = 5;
  /// Server-side limit per statement; the client gives up shortly after it.
  int statement_timeout_ms = 10000;
  /// Most queued statements one connection sends together in a pipeline.
  int max_pipeline = 64;
  /// Most sends committed together in one transaction by an append writer.
  int max_append_batch = 256;
  /// Append writers, each a thread with a connection of its own committing its sends in
  /// batches; a conversation's sends always go to the same one (conversation_id modulo
  /// this), so they still complete in seq order.
  int append_writers = 1;
  /// Woken by fewer than a whole batch, an append writer waits this long for more sends
  /// to share the commit (PostgreSQL's CPU per send falls steeply with the batch).
  std::chrono::microseconds commit_window{0};
};

/// The Store on PostgreSQL, for several stateless nodes sharing one database. Calls block
/// like SqliteStore's and are safe from many threads; the work runs on a pool of
/// connection threads (ConnectionPool). Most calls — the send included — are a single
/// statement, queued statements are pipelined, and each commits on its own; calls that
/// need several statements run as one transaction, reads at REPEATABLE READ so they see
/// one snapshot. Results and errors match SqliteStore's (the same conformance suite runs on
/// both); search differences are listed in docs/HLD.md.
///
/// When the server is down or unreachable, calls fail with `unavailable` within the
/// connect or statement timeout, and connections are re-established once it is back.
/// A write that fails this way may still have committed (the answer was lost): retrying a
/// send with the same clientMsgId is safe, it is recognised and not stored twice.
class PostgresStore final : public Store {
 public:
  /// Connects, applies pending migrations and starts the pool. `unavailable` when the
  /// server cannot be reached, `invalid_argument` for an unusable URL or option.
  static Result<std::unique_ptr<PostgresStore>> open(const PostgresOptions& options);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  /// Refuses new calls, lets queued ones finish and closes every connection. Later calls
  /// return `unavailable`. Idempotent.
  void close();

  /// Statements sent on their own, and the round trips they took: sends queued together
  /// share one pipeline, so round_trips < statements under concurrent load.
  struct StatementStats {
    std::uint64_t statements = 0;
    std::uint64_t round_trips = 0;
  };
  StatementStats statement_stats() const;
  /// Sends committed, and the transactions that carried them (group commit: fewer).
  struct SendStats {
    std::uint64_t sends = 0;
    std::uint64_t transactions = 0;
  };
  SendStats send_stats() const;

  /// Every node of a cluster writes here.
  bool shared_between_nodes() const override { return true; }

  Result<void> ping() override;

  Result<model::User> user_insert(const model::NewUser& user) override;
  Result<model::User> user_get(Id user_id) override;
  Result<model::UserCredentials> user_get_credentials(const std::string& username) override;
  Result<model::User> user_update_profile(Id user_id, const model::ProfilePatch& patch) override;
  Result<model::User> user_set_role(Id user_id, model::Role role) override;
  Result<model::User> user_set_suspended(Id user_id, std::optional<Millis> at) override;
  Result<void> users_touch_last_seen(const std::vector<model::LastSeen>& seen) override;
  Result<std::vector<model::User>> user_search_prefix(const std::string& prefix,
                                                      const std::optional<std::string>& after_username,
                                                      int limit) override;
  Result<std::vector<model::User>> user_list(std::optional<Id> after_id, int limit) override;

  Result<void> refresh_token_insert(const model::RefreshToken& token) override;
  Result<model::RefreshToken> refresh_token_get_by_hash(const std::string& token_hash) override;
  Result<bool> refresh_token_rotate(Id old_token_id, const model::RefreshToken& replacement, Millis now) override;
  Result<void> session_revoke(Id family_id, Millis now) override;
  Result<std::vector<Id>> user_sessions_revoke(Id user_id, Millis now) override;
  Result<bool> session_is_active(Id family_id) override;
  Result<std::vector<Id>> sessions_inactive(const std::vector<Id>& family_ids) override;
  Result<std::vector<Id>> users_locked_out(const std::vector<Id>& user_ids) override;

  Result<DirectOutcome> conversation_create_direct(const model::NewDirectConversation& c) override;
  Result<model::Conversation> conversation_create_group(const model::NewGroupConversation& c) override;
  Result<model::Conversation> conversation_get(Id conversation_id) override;
  Result<std::vector<model::ConversationSummary>> conversation_list_for_user(Id user_id,
                                                                             const std::optional<ActivityCursor>& after,
                                                                             int limit) override;
  Result<model::Conversation> conversation_rename(Id conversation_id, const std::string& title, Millis now) override;

  Result<model::Member> member_get(Id conversation_id, Id user_id) override;
  Result<model::Conversation> member_add(Id conversation_id, const std::vector<Id>& user_ids, Millis now,
                                         int max_members) override;
  Result<void> member_remove(Id conversation_id, Id user_id, Millis now) override;
  Result<model::Conversation> member_set_role(Id conversation_id, Id user_id, model::MemberRole role) override;
  void member_cursor_advance_async(Id conversation_id, Id user_id, const model::CursorMove& move,
                                   std::function<void(Result<model::CursorAdvance>)> done) override;

  /// Both go through the group commit of the conversation's AppendWriter; completions
  /// arrive on that writer's thread in commit order. Sends to different conversations may
  /// complete in another order than they were made, on different threads.
  Result<model::SendOutcome> message_insert(const model::NewMessage& message) override;
  void message_insert_async(const model::NewMessage& message,
                            std::function<void(Result<model::SendOutcome>)> done) override;
  bool completes_in_commit_order() const override { return true; }
  /// Through the conversation's AppendWriter too, as a transaction of its own between
  /// the group commits of the sends queued before and after it; `done` runs on that
  /// writer's thread, in commit order with the conversation's sends.
  void message_change_async(const model::MessageChange& change,
                            std::function<void(Result<model::ChangeOutcome>)> done) override;
  Result<std::vector<model::Change>> change_list(Id conversation_id, Seq after, int limit) override;
  Result<std::vector<model::ReactionMark>> reactions_of_user(Id user_id, Id conversation_id,
                                                             const std::vector<Seq>& seqs) override;
  Result<std::vector<model::Pin>> pin_list(Id conversation_id) override;
  Result<model::Conversation> conversation_set_retention(Id conversation_id, std::optional<int> days) override;
  Result<std::vector<Id>> conversations_due_for_expiry(Millis now, Millis default_retention, Id after_id,
                                                       int limit) override;
  void message_expire_async(const model::ExpiryRequest& request,
                            std::function<void(Result<model::ExpiryOutcome>)> done) override;
  Result<Seq> mention_count(Id conversation_id, Id user_id, Seq after_seq) override;
  Result<std::vector<model::Message>> message_list(Id conversation_id, std::optional<Seq> before,
                                                   std::optional<Seq> after, int limit) override;
  Result<std::vector<model::Message>> message_search(Id user_id, const std::vector<std::string>& terms,
                                                     std::optional<Id> conversation_id, std::optional<Id> before_id,
                                                     int limit) override;

  Result<model::Upload> upload_insert(const model::Upload& upload, Millis quota_since,
                                      std::uint64_t quota_bytes) override;
  Result<model::Upload> upload_get(Id upload_id) override;
  Result<std::uint64_t> upload_bytes_since(Id uploader_id, Millis since) override;
  Result<int> upload_sweep(Millis created_before, int limit) override;
  Result<int> upload_usage_prune(Millis before, int limit) override;
  Result<std::vector<std::string>> blob_release_list(const std::string& after_key, int limit) override;
  Result<void> blob_release_done(const std::vector<std::string>& blob_keys) override;

 private:
  PostgresStore(std::unique_ptr<ConnectionPool> pool, std::vector<std::unique_ptr<AppendWriter>> appends);

  AppendWriter& writer_for(Id conversation_id);

  /// Runs `body` (a function of Executor&) as one statement-per-call unit on the pool:
  /// each statement it issues is its own transaction and may share a pipeline.
  template <typename T, typename Body>
  Result<T> single(Body&& body);
  /// Runs `body` on one pooled connection inside a transaction: REPEATABLE READ READ ONLY
  /// for reads (one snapshot), READ COMMITTED for writes, run again on a serialization
  /// failure or deadlock. Rolled back when `body` fails.
  template <typename T, typename Body>
  Result<T> transaction(bool read_only, Body&& body);
  /// Runs `body` (a function of Connection& returning Result<T>) on a pooled connection
  /// without waiting; `done` gets its result on that pool thread.
  template <typename T, typename Body>
  void task_async(Body body, std::function<void(Result<T>)> done);

  std::mutex close_mutex_;
  std::unique_ptr<ConnectionPool> pool_;
  std::vector<std::unique_ptr<AppendWriter>> appends_;  // never empty
};

}  // namespace talkline::store::postgres
