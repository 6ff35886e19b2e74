#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "store/store.hpp"

namespace talkline::store::sqlite {

class Connection;
class Checkpointer;
class ReaderPool;
class Writer;

struct SqliteOptions {
  /// Database file; created if absent. Must be a real file: readers share it through WAL.
  std::string path;
  /// PRAGMA synchronous for the writer: "off", "normal", "full" or "extra". Anything
  /// weaker than "full" can lose the last commits on power loss (not on a process crash).
  std::string synchronous = "full";
  /// Read-only connections; reads beyond this many at once wait for a free one.
  int reader_connections = 4;
  /// How long a connection waits on a lock held by another process before `unavailable`.
  int busy_timeout_ms = 5000;
  /// Most write jobs committed together in one transaction.
  int max_batch = 256;
  /// The writer's page cache. A group commit touches a few pages per conversation it
  /// writes to; a cache smaller than that evicts and re-reads them every commit.
  int writer_cache_mib = 64;
  /// WAL size, in pages, past which the background checkpointer folds it into the file.
  int checkpoint_pages = 32768;
  /// How long the writer, woken by fewer than max_batch jobs, waits for more to share the
  /// commit (zero: commit at once).
  std::chrono::microseconds commit_window{0};
};

/// The embedded Store: one SQLite file in WAL mode. Writes are queued to a single writer
/// thread that group-commits them; reads run on a pool of read-only connections and see
/// the latest committed state without waiting for the writer.
class SqliteStore final : public Store {
 public:
  /// Opens or creates the database, switches it to WAL and applies pending migrations.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  /// Refuses new calls, lets queued writes commit, checkpoints the WAL into the database
  /// file and closes every connection. Later calls return `unavailable`. Idempotent.
  void close();

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

  Result<model::SendOutcome> message_insert(const model::NewMessage& message) override;
  void message_insert_async(const model::NewMessage& message,
                            std::function<void(Result<model::SendOutcome>)> done) override;
  bool completes_in_commit_order() const override { return true; }
  /// Runs on the writer like a send: `done` is called on the writer thread, in commit order.
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
  SqliteStore(std::unique_ptr<Connection> write_connection, std::unique_ptr<ReaderPool> readers,
              std::unique_ptr<Checkpointer> checkpointer, const SqliteOptions& options);

  /// Runs `body` on a pooled read connection inside one read transaction, so a call that
  /// issues several queries sees a single snapshot.
  template <typename T, typename Body>
  Result<T> read(Body&& body);
  /// Runs `body` as one job of the writer's next group commit and returns its result once
  /// that commit is durable.
  template <typename T, typename Body>
  Result<T> write(Body&& body);
  /// Like write(), but returns at once; `done` gets the result on the writer thread once
  /// the commit is durable (or its failure).
  template <typename T, typename Body>
  void write_async(Body body, std::function<void(Result<T>)> done);

  std::mutex close_mutex_;
  std::unique_ptr<Connection> write_connection_;
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace talkline::store::sqlite
