#include "store/sqlite/sqlite_store.hpp"

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite/change_queries.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/conversation_queries.hpp"
#include "store/sqlite/message_queries.hpp"
#include "store/sqlite/message_views.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/pin_queries.hpp"
#include "store/sqlite/reaction_queries.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/retention_queries.hpp"
#include "store/sqlite/token_queries.hpp"
#include "store/sqlite/upload_queries.hpp"
#include "store/sqlite/user_queries.hpp"
#include "store/sqlite/wal_append_buffer.hpp"
#include "store/sqlite/writer.hpp"
#include "util/log.hpp"

namespace talkline::store::sqlite {

namespace {

Result<std::string> synchronous_pragma(const std::string& level) {
  for (const char* known : {"off", "normal", "full", "extra"}) {
    if (level == known) return "PRAGMA synchronous = " + level;
  }
  return Error::invalid("synchronous", "must be one of off, normal, full, extra");
}

Result<void> check_options(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:" || options.path.rfind("file:", 0) == 0) {
    return Error::invalid("path", "must name a database file (readers share it through WAL)");
  }
  if (options.reader_connections < 1) return Error::invalid("reader_connections", "must be at least 1");
  if (options.busy_timeout_ms < 0) return Error::invalid("busy_timeout_ms", "must not be negative");
  if (options.max_batch < 1) return Error::invalid("max_batch", "must be at least 1");
  if (options.writer_cache_mib < 1) return Error::invalid("writer_cache_mib", "must be at least 1");
  if (options.checkpoint_pages < 1) return Error::invalid("checkpoint_pages", "must be at least 1");
  if (options.commit_window.count() < 0) return Error::invalid("commit_window", "must not be negative");
  return ok_result();
}

Result<std::string> journal_mode_wal(Connection& db) {
  TL_TRY_ASSIGN(Statement pragma, db.prepare("PRAGMA journal_mode = WAL"));
  TL_TRY_ASSIGN(bool has_row, pragma.step());
  if (!has_row) return Error::internal("PRAGMA journal_mode returned nothing");
  return pragma.text(0);
}

model::Millis wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<std::unique_ptr<Connection>> open_writer_connection(const SqliteOptions& options) {
  TL_TRY_ASSIGN(std::string synchronous, synchronous_pragma(options.synchronous));
  // Gathering a commit's WAL frames into one write is safe only where the commit's sync
  // is what publishes them to the other connections (wal_append_buffer.hpp).
  const bool commits_sync = options.synchronous == "full" || options.synchronous == "extra";
  TL_TRY_ASSIGN(std::unique_ptr<Connection> db,
                Connection::open(options.path, Connection::Mode::read_write, options.busy_timeout_ms,
                                 commits_sync ? Connection::WalWrites::buffered_appends : Connection::WalWrites::plain));
  TL_TRY_ASSIGN(std::string mode, journal_mode_wal(*db));
  if (mode != "wal")
    return Error::unavailable("cannot use WAL for " + options.path + " (journal mode is " + mode + ")");
  TL_TRY(db->exec("PRAGMA foreign_keys = ON"));
  TL_TRY(db->exec(synchronous));
  TL_TRY(db->exec("PRAGMA cache_size = -" + std::to_string(options.writer_cache_mib * 1024)));
  // Each job runs in a savepoint, whose journal keeps the pages it changes so the job can
  // be undone alone: in memory that is a copy, on disk (the default) two pwrite calls
  // per page.
  TL_TRY(db->exec("PRAGMA temp_store = MEMORY"));
  TL_TRY(apply_migrations(*db, builtin_migrations(), wall_clock_ms()));
  return db;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  try {
    TL_TRY(check_options(options));
    TL_TRY_ASSIGN(std::unique_ptr<Connection> writer_db, open_writer_connection(options));
    std::vector<std::unique_ptr<Connection>> readers;
    for (int i = 0; i < options.reader_connections; ++i) {
      TL_TRY_ASSIGN(std::unique_ptr<Connection> reader,
                    Connection::open(options.path, Connection::Mode::read_only, options.busy_timeout_ms));
      readers.push_back(std::move(reader));
    }
    TL_TRY_ASSIGN(std::unique_ptr<Connection> checkpoint_db,
                  Connection::open(options.path, Connection::Mode::read_write, options.busy_timeout_ms));
    auto checkpointer = std::make_unique<Checkpointer>(std::move(checkpoint_db), options.checkpoint_pages);
    checkpointer->watch(*writer_db, options.busy_timeout_ms);
    return std::unique_ptr<SqliteStore>(new SqliteStore(
        std::move(writer_db), std::make_unique<ReaderPool>(std::move(readers)), std::move(checkpointer), options));
  } catch (const std::exception& e) {
    return Error::internal(std::string("opening the sqlite store failed: ") + e.what());
  }
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> write_connection, std::unique_ptr<ReaderPool> readers,
                         std::unique_ptr<Checkpointer> checkpointer, const SqliteOptions& options)
    : write_connection_(std::move(write_connection)),
      readers_(std::move(readers)),
      checkpointer_(std::move(checkpointer)),
      writer_(std::make_unique<Writer>(*write_connection_, static_cast<std::size_t>(options.max_batch),
                                       index_pending_messages, options.commit_window)) {}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::close() {
  std::lock_guard lock(close_mutex_);
  if (!write_connection_) return;
  writer_->stop();
  checkpointer_->stop();
  readers_->close();
  // How well writes were grouped over the store's life: writes ÷ commits is the batch, and
  // WAL appends ÷ WAL file writes what the append buffer gathered (process-wide).
  const WalAppendCounts wal = wal_append_counts();
  util::log::debug("store.closed", {{"backend", "sqlite"},
                                    {"writes", static_cast<std::int64_t>(writer_->jobs_done())},
                                    {"commits", static_cast<std::int64_t>(writer_->commits())},
                                    {"checkpoints", static_cast<std::int64_t>(checkpointer_->checkpoints())},
                                    {"wal_restarts", static_cast<std::int64_t>(checkpointer_->restarts())},
                                    {"wal_appends", static_cast<std::int64_t>(wal.appends)},
                                    {"wal_file_writes", static_cast<std::int64_t>(wal.file_writes)}});
  // Fold the WAL back into the main file so the database is one self-contained file
  // at rest; failure only means the next open replays the WAL.
  if (Result<void> checkpoint = write_connection_->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !checkpoint.ok()) {
    util::log::warn("store.checkpoint_failed",
                    {{"backend", "sqlite"}, {"error", std::string_view(checkpoint.error().message)}});
  }
  write_connection_.reset();
}

template <typename T, typename Body>
Result<T> SqliteStore::read(Body&& body) {
  try {
    TL_TRY_ASSIGN(ReaderPool::Lease lease, readers_->checkout());
    Connection& db = lease.connection();
    TL_TRY(db.exec("BEGIN"));
    Result<T> result = body(db);
    Result<void> ended = db.exec("COMMIT");
    if (!ended.ok()) {
      // A reader left inside its transaction goes back to the pool and fails every later
      // BEGIN, so a failed ROLLBACK is worth a line.
      if (db.in_transaction()) {
        Result<void> rolled_back = db.exec("ROLLBACK");
        if (!rolled_back.ok()) {
          util::log::error("store.rollback_failed", {{"backend", "sqlite"},
                                                     {"statement", "ROLLBACK"},
                                                     {"error", std::string_view(rolled_back.error().message)}});
        }
      }
      if (result.ok()) return ended.take_error();
    }
    return result;
  } catch (const std::exception& e) {
    return Error::internal(std::string("sqlite read failed: ") + e.what());
  }
}

template <typename T, typename Body>
Result<T> SqliteStore::write(Body&& body) {
  try {
    std::optional<Result<T>> produced;
    Result<void> committed = writer_->submit([&](Connection& db) -> Result<void> {
      produced.emplace(body(db));
      if (produced->ok()) return ok_result();
      return produced->error();
    });
    if (!committed.ok()) return committed.take_error();
    if (!produced) return Error::internal("write job did not run");
    return std::move(*produced);
  } catch (const std::exception& e) {
    return Error::internal(std::string("sqlite write failed: ") + e.what());
  }
}

template <typename T, typename Body>
void SqliteStore::write_async(Body body, std::function<void(Result<T>)> done) {
  // The job and its completion share the outcome: the job fills it inside the batch, the
  // completion hands it on once the batch has committed (or reports the commit's failure).
  auto produced = std::make_shared<std::optional<Result<T>>>();
  auto job = [produced, body = std::move(body)](Connection& db) -> Result<void> {
    produced->emplace(body(db));
    if ((*produced)->ok()) return ok_result();
    return (*produced)->error();
  };
  auto completion = [produced, done = std::move(done)](Result<void> committed) {
    if (!committed.ok()) return done(committed.take_error());
    if (!*produced) return done(Error::internal("write job did not run"));
    done(std::move(**produced));
  };
  writer_->submit_async(std::move(job), std::move(completion));
}

Result<void> SqliteStore::ping() {
  TL_TRY(read<bool>([](Connection& db) -> Result<bool> {
    TL_TRY_ASSIGN(Statement probe, db.prepare("SELECT 1"));
    return probe.step();
  }));
  return write<void>([](Connection&) { return ok_result(); });
}

// ---- users ---------------------------------------------------------------------------

Result<model::User> SqliteStore::user_insert(const model::NewUser& user) {
  return write<model::User>([&](Connection& db) { return insert_user(db, user); });
}

Result<model::User> SqliteStore::user_get(Id user_id) {
  return read<model::User>([&](Connection& db) { return find_user(db, user_id); });
}

Result<model::UserCredentials> SqliteStore::user_get_credentials(const std::string& username) {
  return read<model::UserCredentials>([&](Connection& db) { return find_credentials(db, username); });
}

Result<model::User> SqliteStore::user_update_profile(Id user_id, const model::ProfilePatch& patch) {
  return write<model::User>([&](Connection& db) { return update_profile(db, user_id, patch); });
}

Result<model::User> SqliteStore::user_set_role(Id user_id, model::Role role) {
  return write<model::User>([&](Connection& db) { return set_user_role(db, user_id, role); });
}

Result<model::User> SqliteStore::user_set_suspended(Id user_id, std::optional<Millis> at) {
  return write<model::User>([&](Connection& db) { return set_user_suspended(db, user_id, at); });
}

Result<void> SqliteStore::users_touch_last_seen(const std::vector<model::LastSeen>& seen) {
  if (seen.empty()) return ok_result();
  return write<void>([&](Connection& db) { return touch_last_seen(db, seen); });
}

Result<std::vector<model::User>> SqliteStore::user_search_prefix(const std::string& prefix,
                                                                 const std::optional<std::string>& after_username,
                                                                 int limit) {
  return read<std::vector<model::User>>(
      [&](Connection& db) { return search_users_by_prefix(db, prefix, after_username, limit); });
}

Result<std::vector<model::User>> SqliteStore::user_list(std::optional<Id> after_id, int limit) {
  return read<std::vector<model::User>>([&](Connection& db) { return list_users(db, after_id, limit); });
}

// ---- refresh tokens ------------------------------------------------------------------

Result<void> SqliteStore::refresh_token_insert(const model::RefreshToken& token) {
  return write<void>([&](Connection& db) { return insert_refresh_token(db, token); });
}

Result<model::RefreshToken> SqliteStore::refresh_token_get_by_hash(const std::string& token_hash) {
  return read<model::RefreshToken>([&](Connection& db) { return find_refresh_token_by_hash(db, token_hash); });
}

Result<bool> SqliteStore::refresh_token_rotate(Id old_token_id, const model::RefreshToken& replacement, Millis now) {
  return write<bool>([&](Connection& db) { return rotate_refresh_token(db, old_token_id, replacement, now); });
}

Result<void> SqliteStore::session_revoke(Id family_id, Millis now) {
  return write<void>([&](Connection& db) { return revoke_session(db, family_id, now); });
}

Result<std::vector<Id>> SqliteStore::user_sessions_revoke(Id user_id, Millis now) {
  return write<std::vector<Id>>([&](Connection& db) { return revoke_user_sessions(db, user_id, now); });
}

Result<bool> SqliteStore::session_is_active(Id family_id) {
  return read<bool>([&](Connection& db) { return is_session_active(db, family_id); });
}

Result<std::vector<Id>> SqliteStore::sessions_inactive(const std::vector<Id>& family_ids) {
  if (family_ids.empty()) return std::vector<Id>{};
  return read<std::vector<Id>>([&](Connection& db) { return inactive_sessions(db, family_ids); });
}

Result<std::vector<Id>> SqliteStore::users_locked_out(const std::vector<Id>& user_ids) {
  if (user_ids.empty()) return std::vector<Id>{};
  return read<std::vector<Id>>([&](Connection& db) { return locked_out_users(db, user_ids); });
}

// ---- conversations and members -------------------------------------------------------

Result<Store::DirectOutcome> SqliteStore::conversation_create_direct(const model::NewDirectConversation& c) {
  return write<DirectOutcome>([&](Connection& db) { return create_direct_conversation(db, c); });
}

Result<model::Conversation> SqliteStore::conversation_create_group(const model::NewGroupConversation& c) {
  return write<model::Conversation>([&](Connection& db) { return create_group_conversation(db, c); });
}

Result<model::Conversation> SqliteStore::conversation_get(Id conversation_id) {
  return read<model::Conversation>([&](Connection& db) { return load_conversation(db, conversation_id); });
}

Result<std::vector<model::ConversationSummary>> SqliteStore::conversation_list_for_user(
    Id user_id, const std::optional<ActivityCursor>& after, int limit) {
  return read<std::vector<model::ConversationSummary>>(
      [&](Connection& db) { return list_conversations_for_user(db, user_id, after, limit); });
}

Result<model::Conversation> SqliteStore::conversation_rename(Id conversation_id, const std::string& title,
                                                             Millis /*now*/) {
  return write<model::Conversation>([&](Connection& db) { return rename_conversation(db, conversation_id, title); });
}

Result<model::Member> SqliteStore::member_get(Id conversation_id, Id user_id) {
  return read<model::Member>([&](Connection& db) { return find_member(db, conversation_id, user_id); });
}

Result<model::Conversation> SqliteStore::member_add(Id conversation_id, const std::vector<Id>& user_ids, Millis now,
                                                    int max_members) {
  return write<model::Conversation>(
      [&](Connection& db) { return add_members(db, conversation_id, user_ids, now, max_members); });
}

Result<void> SqliteStore::member_remove(Id conversation_id, Id user_id, Millis /*now*/) {
  return write<void>([&](Connection& db) { return remove_member(db, conversation_id, user_id); });
}

Result<model::Conversation> SqliteStore::member_set_role(Id conversation_id, Id user_id, model::MemberRole role) {
  return write<model::Conversation>(
      [&](Connection& db) { return set_member_role(db, conversation_id, user_id, role); });
}

void SqliteStore::member_cursor_advance_async(Id conversation_id, Id user_id, const model::CursorMove& move,
                                              std::function<void(Result<model::CursorAdvance>)> done) {
  write_async<model::CursorAdvance>(
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

Result<model::SendOutcome> SqliteStore::message_insert(const model::NewMessage& message) {
  return write<model::SendOutcome>([&](Connection& db) { return insert_message(db, message); });
}

void SqliteStore::message_insert_async(const model::NewMessage& message,
                                       std::function<void(Result<model::SendOutcome>)> done) {
  write_async<model::SendOutcome>([message](Connection& db) { return insert_message(db, message); }, std::move(done));
}

void SqliteStore::message_change_async(const model::MessageChange& change,
                                       std::function<void(Result<model::ChangeOutcome>)> done) {
  write_async<model::ChangeOutcome>([change](Connection& db) { return record_message_change(db, change); },
                                    std::move(done));
}

Result<std::vector<model::Change>> SqliteStore::change_list(Id conversation_id, Seq after, int limit) {
  return read<std::vector<model::Change>>(
      [&](Connection& db) { return list_changes(db, conversation_id, after, limit); });
}

Result<std::vector<model::ReactionMark>> SqliteStore::reactions_of_user(Id user_id, Id conversation_id,
                                                                        const std::vector<Seq>& seqs) {
  return read<std::vector<model::ReactionMark>>(
      [&](Connection& db) { return sqlite::reactions_of_user(db, user_id, conversation_id, seqs); });
}

Result<Seq> SqliteStore::mention_count(Id conversation_id, Id user_id, Seq after_seq) {
  return read<Seq>([&](Connection& db) { return count_mentions(db, conversation_id, user_id, after_seq); });
}

Result<std::vector<model::Pin>> SqliteStore::pin_list(Id conversation_id) {
  return read<std::vector<model::Pin>>([&](Connection& db) { return list_pins(db, conversation_id); });
}

// ---- retention -----------------------------------------------------------------------

Result<model::Conversation> SqliteStore::conversation_set_retention(Id conversation_id, std::optional<int> days) {
  return write<model::Conversation>(
      [&](Connection& db) { return set_conversation_retention(db, conversation_id, days); });
}

Result<std::vector<Id>> SqliteStore::conversations_due_for_expiry(Millis now, Millis default_retention, Id after_id,
                                                                  int limit) {
  return read<std::vector<Id>>(
      [&](Connection& db) { return conversations_due(db, now, default_retention, after_id, limit); });
}

// One write job per batch: the writer commits it between the group commits of sends, so a
// sweep never holds the database for longer than one batch.
void SqliteStore::message_expire_async(const model::ExpiryRequest& request,
                                       std::function<void(Result<model::ExpiryOutcome>)> done) {
  write_async<model::ExpiryOutcome>([request](Connection& db) { return expire_messages(db, request); },
                                    std::move(done));
}

Result<std::vector<model::Message>> SqliteStore::message_list(Id conversation_id, std::optional<Seq> before,
                                                              std::optional<Seq> after, int limit) {
  return read<std::vector<model::Message>>(
      [&](Connection& db) { return list_messages(db, conversation_id, before, after, limit); });
}

Result<std::vector<model::Message>> SqliteStore::message_search(Id user_id, const std::vector<std::string>& terms,
                                                                std::optional<Id> conversation_id,
                                                                std::optional<Id> before_id, int limit) {
  return read<std::vector<model::Message>>(
      [&](Connection& db) { return search_messages(db, user_id, terms, conversation_id, before_id, limit); });
}

// ---- uploads -------------------------------------------------------------------------

Result<model::Upload> SqliteStore::upload_insert(const model::Upload& upload, Millis quota_since,
                                                 std::uint64_t quota_bytes) {
  return write<model::Upload>([&](Connection& db) { return insert_upload(db, upload, quota_since, quota_bytes); });
}

Result<model::Upload> SqliteStore::upload_get(Id upload_id) {
  return read<model::Upload>([&](Connection& db) { return find_upload(db, upload_id); });
}

Result<std::uint64_t> SqliteStore::upload_bytes_since(Id uploader_id, Millis since) {
  return read<std::uint64_t>([&](Connection& db) { return uploaded_bytes_since(db, uploader_id, since); });
}

Result<int> SqliteStore::upload_sweep(Millis created_before, int limit) {
  return write<int>([&](Connection& db) { return sweep_uploads(db, created_before, limit); });
}

Result<int> SqliteStore::upload_usage_prune(Millis before, int limit) {
  return write<int>([&](Connection& db) { return prune_upload_usage(db, before, limit); });
}

Result<std::vector<std::string>> SqliteStore::blob_release_list(const std::string& after_key, int limit) {
  return read<std::vector<std::string>>([&](Connection& db) { return list_blob_releases(db, after_key, limit); });
}

Result<void> SqliteStore::blob_release_done(const std::vector<std::string>& blob_keys) {
  return write<void>([&](Connection& db) { return forget_blob_releases(db, blob_keys); });
}

}  // namespace talkline::store::sqlite
