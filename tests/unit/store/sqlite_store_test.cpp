#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conformance/store_conformance.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "temp_dir.hpp"

namespace talkline::store::sqlite {
namespace {

using conformance::must;
using conformance::outcome;
using talkline::store::testing::TempDir;

// ---- the shared Store suite, on a fresh database file per test ------------------------

// One directory for the whole run, removed when the process exits; each store gets its
// own file in it, so tests never see each other's data.
std::string fresh_database_path() {
  static TempDir root;
  static std::atomic<int> counter{0};
  return root.file("conformance-" + std::to_string(counter++) + ".db");
}

std::unique_ptr<Store> open_fresh_store() {
  SqliteOptions options;
  options.path = fresh_database_path();
  auto opened = SqliteStore::open(options);
  if (!opened.ok()) {
    ADD_FAILURE() << "open failed: " << conformance::describe(opened.error());
    return nullptr;
  }
  return std::move(opened).value();
}

TALKLINE_INSTANTIATE_STORE_CONFORMANCE(Sqlite, conformance::StoreFactory{"sqlite", open_fresh_store});

// ---- behaviour particular to the SQLite backend ----------------------------------------

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteOptions options() const {
    SqliteOptions options;
    options.path = dir_.file("talkline.db");
    return options;
  }

  std::unique_ptr<SqliteStore> open_store() { return must(SqliteStore::open(options())); }

  model::User add_user(Store& store, const std::string& name) {
    return must(store.user_insert({next_id_++, name, name, "$argon2id$x", model::Role::user, 1000}));
  }

  model::NewMessage new_message(model::Id conversation_id, model::Id sender_id, std::string client_msg_id,
                                std::string body) {
    model::NewMessage message;
    message.id = next_id_++;
    message.conversation_id = conversation_id;
    message.sender_id = sender_id;
    message.client_msg_id = std::move(client_msg_id);
    message.body = std::move(body);
    message.created_at = 2000;
    return message;
  }

  /// Rows of `sql`'s single integer column, read with a plain SQLite connection.
  std::vector<std::int64_t> query_ints(const std::string& sql) const {
    std::vector<std::int64_t> values;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(options().path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) values.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return values;
  }

  TempDir dir_;
  model::Id next_id_ = 1;
};

TEST_F(SqliteStoreTest, OpenRejectsUnusableOptions) {
  SqliteOptions bad = options();
  bad.synchronous = "full; DROP TABLE users";
  EXPECT_EQ(outcome(SqliteStore::open(bad)), "invalid_argument");
  bad = options();
  bad.path = "";
  EXPECT_EQ(outcome(SqliteStore::open(bad)), "invalid_argument");
  bad = options();
  bad.path = ":memory:";
  EXPECT_EQ(outcome(SqliteStore::open(bad)), "invalid_argument");
  bad = options();
  bad.reader_connections = 0;
  EXPECT_EQ(outcome(SqliteStore::open(bad)), "invalid_argument");
  bad = options();
  bad.path = dir_.file("missing-dir/talkline.db");
  EXPECT_EQ(outcome(SqliteStore::open(bad)), "unavailable");
}

TEST_F(SqliteStoreTest, OpenCreatesTheDatabaseInWalMode) {
  auto store = open_store();
  EXPECT_TRUE(std::filesystem::exists(options().path));
  EXPECT_EQ(outcome(store->ping()), "ok");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options().path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, MigrationsRunOnceAndReopeningKeepsTheData) {
  model::User alice;
  {
    auto store = open_store();
    alice = add_user(*store, "alice");
  }
  for (int i = 0; i < 2; ++i) {
    auto store = open_store();
    EXPECT_EQ(must(store->user_get(alice.id)).username, "alice");
  }
  EXPECT_EQ(query_ints("SELECT version FROM schema_migrations ORDER BY version"),
            (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// Migration 2 moves search indexing from a per-message trigger to the writer's pre-commit
// step: what the old trigger indexed stays searchable, and new messages are indexed in the
// same transaction that stores them, leaving nothing noted behind.
TEST_F(SqliteStoreTest, SearchIndexSurvivesTheMoveToOncePerCommitIndexing) {
  {
    auto db = must(Connection::open(options().path, Connection::Mode::read_write, 1000));
    must(apply_migrations(*db, {builtin_migrations().front()}, 1000));
    must(db->exec(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'x', 1), (2, 'bob', 'x', 1);"
        "INSERT INTO conversations (id, kind, direct_key, created_by, created_at, last_seq, last_activity_at)"
        " VALUES (3, 'direct', '1:2', 1, 1, 1, 1);"
        "INSERT INTO members (conversation_id, user_id, joined_at) VALUES (3, 1, 1), (3, 2, 1);"
        "INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, created_at)"
        " VALUES (3, 1, 4, 1, 'c0', 'written before the upgrade', 1);"));
  }
  next_id_ = 10;
  auto store = open_store();
  EXPECT_EQ(must(store->message_search(2, {"upgrade"}, std::nullopt, std::nullopt, 10)).size(), 1U);
  must(store->message_insert(new_message(3, 2, "c1", "written after the upgrade")));
  EXPECT_EQ(must(store->message_search(1, {"after"}, std::nullopt, std::nullopt, 10)).size(), 1U);
  EXPECT_EQ(must(store->message_search(1, {"written"}, 3, std::nullopt, 10)).size(), 2U);
  EXPECT_EQ(query_ints("SELECT COUNT(*) FROM messages_fts_pending"), std::vector<std::int64_t>{0});
}

// Migration 3 starts the change feed. Until then every change was a message, so the
// existing rows take their seq as their change_seq and the feed carries on from there.
TEST_F(SqliteStoreTest, ChangeFeedNumbersExistingMessagesByTheirSeq) {
  {
    auto db = must(Connection::open(options().path, Connection::Mode::read_write, 1000));
    auto migrations = builtin_migrations();
    must(apply_migrations(*db, {migrations.at(0), migrations.at(1)}, 1000));
    must(db->exec(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'x', 1), (2, 'bob', 'x', 1);"
        "INSERT INTO conversations (id, kind, direct_key, created_by, created_at, last_seq, last_activity_at)"
        " VALUES (3, 'direct', '1:2', 1, 1, 2, 1);"
        "INSERT INTO members (conversation_id, user_id, joined_at, delivered_seq, read_seq)"
        " VALUES (3, 1, 1, 2, 2), (3, 2, 1, 1, 0);"
        "INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, created_at)"
        " VALUES (3, 1, 4, 1, 'c0', 'first', 1), (3, 2, 5, 1, 'c1', 'second', 2);"));
  }
  next_id_ = 10;
  auto store = open_store();
  auto conversation = must(store->conversation_get(3));
  EXPECT_EQ(conversation.last_change_seq, 2);
  EXPECT_EQ(must(store->member_get(3, 1)).delivered_change_seq, 2);
  EXPECT_EQ(must(store->member_get(3, 2)).delivered_change_seq, 1);
  auto history = must(store->message_list(3, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[0].change_seq, 1);
  EXPECT_EQ(history[1].change_seq, 2);

  model::MessageChange edit;
  edit.conversation_id = 3;
  edit.message_id = 4;
  edit.actor_id = 1;
  edit.body = "first, edited";
  edit.at = 3000;
  EXPECT_EQ(must(store->message_change(edit)).change.change_seq, 3);
  model::Message third = must(store->message_insert(new_message(3, 2, "c2", "third"))).message;
  EXPECT_EQ(third.change_seq, 4);
  auto feed = must(store->change_list(3, 0, 10));
  ASSERT_EQ(feed.size(), 4U);
  EXPECT_EQ(feed[2].kind, model::ChangeKind::edited);
  EXPECT_EQ(feed[2].message.id, 4);
  EXPECT_EQ(feed[3].message.id, third.id);
  EXPECT_EQ(must(store->change_list(3, 2, 10)).size(), 2U);
  // The old words left the index with the edit; the index of migration 1 is still in use.
  EXPECT_TRUE(must(store->message_search(1, {"first"}, 3, std::nullopt, 10)).size() == 1U);
  EXPECT_TRUE(query_ints("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'second'") ==
              std::vector<std::int64_t>{5});
  // A send costs no more index entries than before: messages has only the indexes of its
  // two UNIQUE constraints.
  EXPECT_EQ(query_ints("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'"),
            std::vector<std::int64_t>{2});
}

// A message sent and changed in one group commit is still only noted for indexing when
// its change runs (migration 2): the change must not try to take out terms the index has
// never had, and the index must end up with the message as the commit left it.
TEST_F(SqliteStoreTest, SearchIndexFollowsChangesCommittedWithTheirSend) {
  model::User alice;
  model::Id conversation_id = 0;
  {
    auto store = open_store();
    alice = add_user(*store, "alice");
    model::User bob = add_user(*store, "bob");
    conversation_id = must(store->conversation_create_direct({next_id_++, alice.id, bob.id, 1500})).conversation.id;
  }
  model::NewMessage edited = new_message(conversation_id, alice.id, "c1", "alpha beta");
  model::NewMessage deleted = new_message(conversation_id, alice.id, "c2", "delta");
  model::MessageChange edit;
  edit.conversation_id = conversation_id;
  edit.message_id = edited.id;
  edit.actor_id = alice.id;
  edit.body = "gamma beta";
  edit.at = 3000;
  model::MessageChange erase = edit;
  erase.kind = model::ChangeKind::deleted;
  erase.message_id = deleted.id;
  erase.body.clear();
  {
    // The writer waits for all four jobs (queued at once) and commits them together.
    SqliteOptions one_commit = options();
    one_commit.max_batch = 4;
    one_commit.commit_window = std::chrono::seconds(10);
    auto store = must(SqliteStore::open(one_commit));
    std::promise<void> all_done;
    std::atomic<int> remaining{4};
    std::atomic<int> failures{0};
    auto count = [&](bool ok) {
      if (!ok) ++failures;
      if (--remaining == 0) all_done.set_value();
    };
    store->message_insert_async(edited, [&](Result<model::SendOutcome> r) { count(r.ok()); });
    store->message_change_async(edit, [&](Result<model::ChangeOutcome> r) { count(r.ok()); });
    store->message_insert_async(deleted, [&](Result<model::SendOutcome> r) { count(r.ok()); });
    store->message_change_async(erase, [&](Result<model::ChangeOutcome> r) { count(r.ok()); });
    all_done.get_future().wait();
    EXPECT_EQ(failures.load(), 0);
  }

  auto store = open_store();
  auto search = [&](const std::string& term) {
    return must(store->message_search(alice.id, {term}, std::nullopt, std::nullopt, 10)).size();
  };
  EXPECT_EQ(search("alpha"), 0U);
  EXPECT_EQ(search("gamma"), 1U);
  EXPECT_EQ(search("beta"), 1U);
  EXPECT_EQ(search("delta"), 0U);
  EXPECT_TRUE(query_ints("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'delta OR alpha'").empty());
  EXPECT_EQ(query_ints("SELECT COUNT(*) FROM messages_fts_pending"), std::vector<std::int64_t>{0});
  EXPECT_EQ(must(store->conversation_get(conversation_id)).last_change_seq, 4);

  // Changed again in later commits, now that it is indexed.
  edit.body = "epsilon";
  edit.at = 4000;
  must(store->message_change(edit));
  EXPECT_EQ(search("gamma"), 0U);
  EXPECT_EQ(search("epsilon"), 1U);
  erase.message_id = edited.id;
  erase.at = 5000;
  must(store->message_change(erase));
  EXPECT_TRUE(query_ints("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'epsilon OR beta'").empty());
}

TEST_F(SqliteStoreTest, CommittedWritesSurviveCloseAndReopen) {
  model::Id conversation_id = 0;
  model::Id first_message_id = 0;
  {
    auto store = open_store();
    model::User alice = add_user(*store, "alice");
    model::User bob = add_user(*store, "bob");
    conversation_id = must(store->conversation_create_direct({next_id_++, alice.id, bob.id, 1500})).conversation.id;
    first_message_id = must(store->message_insert(new_message(conversation_id, alice.id, "c1", "first"))).message.id;
    must(store->message_insert(new_message(conversation_id, bob.id, "c2", "second")));
    must(store->member_cursor_advance(conversation_id, alice.id, model::CursorKind::read, 2));
    model::RefreshToken token{next_id_++, alice.id, 77, "hash", 1000, 9000, std::nullopt, std::nullopt};
    must(store->refresh_token_insert(token));
    store->close();
    EXPECT_EQ(outcome(store->user_get(alice.id)), "unavailable");
    EXPECT_EQ(outcome(store->ping()), "unavailable");
  }
  auto store = open_store();
  auto messages = must(store->message_list(conversation_id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[0].id, first_message_id);
  EXPECT_EQ(messages[1].body, "second");
  EXPECT_EQ(must(store->conversation_get(conversation_id)).last_seq, 2);
  EXPECT_EQ(must(store->member_get(conversation_id, 1)).read_seq, 2);
  EXPECT_TRUE(must(store->session_is_active(77)));
  EXPECT_EQ(must(store->message_search(1, {"second"}, std::nullopt, std::nullopt, 10)).size(), 1U);
  // The retry key is durable too: a resend after the restart is recognised.
  auto retry = must(store->message_insert(new_message(conversation_id, 1, "c1", "first")));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message.id, first_message_id);
}

TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveAKill) {
  constexpr int kMessages = 20;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes, then dies without closing anything: no destructors, no checkpoint.
    auto opened = SqliteStore::open(options());
    if (!opened.ok()) _exit(2);
    auto& store = **opened;
    if (!store.user_insert({1, "alice", "alice", "h", model::Role::user, 1}).ok()) _exit(3);
    if (!store.conversation_create_group({2, "g", 1, {}, 1}).ok()) _exit(4);
    for (int i = 0; i < kMessages; ++i) {
      model::NewMessage message{100 + i, 2, 1, "c" + std::to_string(i), "body " + std::to_string(i), {}, 10, {}, {}};
      if (!store.message_insert(message).ok()) _exit(5);
    }
    kill(getpid(), SIGKILL);
    _exit(6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto store = open_store();
  auto messages = must(store->message_list(2, std::nullopt, std::nullopt, 100));
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(messages[i].seq, i + 1);
}

TEST_F(SqliteStoreTest, ConcurrentSendsGetEverySeqExactlyOnce) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 50;
  auto store = open_store();
  std::vector<model::User> senders;
  for (int t = 0; t < kThreads; ++t) senders.push_back(add_user(*store, "sender" + std::to_string(t)));
  model::User owner = add_user(*store, "owner");
  model::NewGroupConversation group{next_id_++, "busy", owner.id, {}, 1500};
  for (const auto& sender : senders) group.member_ids.push_back(sender.id);
  model::Id conversation_id = must(store->conversation_create_group(group)).id;

  // Ids are assigned up front so the worker threads share no counters.
  std::vector<std::vector<model::NewMessage>> work(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      work[t].push_back(new_message(conversation_id, senders[t].id, "t" + std::to_string(t) + "-" + std::to_string(i),
                                    "message " + std::to_string(i) + " from " + std::to_string(t)));
    }
  }
  std::vector<std::vector<model::Seq>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& message : work[t]) {
        auto sent = store->message_insert(message);
        if (!sent.ok() || !sent->created) {
          ++failures;
          continue;
        }
        seqs[t].push_back(sent->message.seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::vector<model::Seq> all;
  for (const auto& per_thread : seqs) {
    EXPECT_TRUE(std::is_sorted(per_thread.begin(), per_thread.end())) << "one sender's messages keep their order";
    all.insert(all.end(), per_thread.begin(), per_thread.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<model::Seq> expected(kThreads * kPerThread);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<model::Seq>(i + 1);
  EXPECT_EQ(all, expected);

  EXPECT_EQ(must(store->conversation_get(conversation_id)).last_seq, kThreads * kPerThread);
  auto stored = query_ints("SELECT seq FROM messages WHERE conversation_id = " + std::to_string(conversation_id) +
                           " ORDER BY seq");
  EXPECT_EQ(stored, expected);
}

// Under writes that never pause, a passive checkpoint never reaches the WAL's last frame,
// and the WAL starts over only after one that did; without the restart step the file grew
// by every byte ever written.
TEST_F(SqliteStoreTest, WalStaysBoundedUnderSteadyWrites) {
  // Without the restart step this run leaves a WAL of over 40 MiB; with it, about 3 MiB
  // (a passive pass copies while the writer goes on, and a loaded machine delays it).
  constexpr int kMessages = 12000;
  constexpr int kThresholdPages = 64;
  SqliteOptions small_wal = options();
  small_wal.checkpoint_pages = kThresholdPages;
  auto store = must(SqliteStore::open(small_wal));
  model::User alice = add_user(*store, "alice");
  std::vector<model::Id> conversations;
  for (int i = 0; i < 50; ++i) {
    conversations.push_back(must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id);
  }
  std::mutex mutex;
  std::condition_variable all_done;
  int remaining = kMessages;
  std::uintmax_t largest_wal = 0;
  for (int i = 0; i < kMessages; ++i) {
    auto message = new_message(conversations[static_cast<std::size_t>(i) % conversations.size()], alice.id,
                               "c" + std::to_string(i), std::string(300, 'x'));
    store->message_insert_async(message, [&](Result<model::SendOutcome> sent) {
      EXPECT_EQ(outcome(sent), "ok");
      std::error_code ignored;
      largest_wal = std::max(largest_wal, std::filesystem::file_size(small_wal.path + "-wal", ignored));
      std::lock_guard lock(mutex);
      if (--remaining == 0) all_done.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return remaining == 0; });
  // The bound sits a factor of three from both figures above, so scheduling noise neither
  // fails a bounded WAL nor passes one that keeps every frame.
  EXPECT_LT(largest_wal, std::uintmax_t{12} << 20) << "the WAL kept growing";
  EXPECT_GT(std::filesystem::file_size(small_wal.path), std::uintmax_t{100} * 4096) << "nothing was checkpointed";
}

TEST_F(SqliteStoreTest, ConcurrentRetriesOfOneClientIdStoreOneMessage) {
  constexpr int kThreads = 12;
  auto store = open_store();
  model::User alice = add_user(*store, "alice");
  model::Id conversation_id = must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id;
  std::vector<model::NewMessage> attempts;
  for (int t = 0; t < kThreads; ++t) attempts.push_back(new_message(conversation_id, alice.id, "same", "hello"));

  std::vector<Result<model::SendOutcome>> results(kThreads, Error::internal("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { results[t] = store->message_insert(attempts[t]); });
  }
  for (auto& thread : threads) thread.join();

  int created = 0;
  std::set<model::Id> ids;
  for (const auto& result : results) {
    ASSERT_EQ(outcome(result), "ok");
    created += result->created ? 1 : 0;
    ids.insert(result->message.id);
    EXPECT_EQ(result->message.seq, 1);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1U);
  EXPECT_EQ(query_ints("SELECT COUNT(*) FROM messages"), std::vector<std::int64_t>{1});
}

TEST_F(SqliteStoreTest, ConcurrentFailuresDoNotFailTheirNeighbours) {
  constexpr int kThreads = 16;
  auto store = open_store();
  add_user(*store, "taken");
  std::vector<Result<model::User>> results(kThreads, Error::internal("not run"));
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t) {
    model::NewUser user{next_id_++, t % 2 == 0 ? "taken" : "user" + std::to_string(t), "x", "h", model::Role::user, 1};
    threads.emplace_back([&, t, user] {
      while (!go.load()) std::this_thread::yield();
      results[t] = store->user_insert(user);
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(outcome(results[t]), t % 2 == 0 ? "conflict" : "ok") << "thread " << t;
  }
  EXPECT_EQ(must(store->user_list(std::nullopt, 100)).size(), 1U + kThreads / 2);
}

TEST_F(SqliteStoreTest, ReadersSeeGapFreeSnapshotsWhileMessagesArrive) {
  auto store = open_store();
  model::User alice = add_user(*store, "alice");
  model::Id conversation_id = must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      must(store->message_insert(new_message(conversation_id, alice.id, "w" + std::to_string(i), "x")));
    }
    writing = false;
  });
  // Every snapshot a reader sees is gap-free: last_seq and the rows agree.
  int reads = 0;
  while (writing.load() || reads == 0) {
    auto messages = store->message_list(conversation_id, std::nullopt, std::nullopt, 1000);
    ASSERT_EQ(outcome(messages), "ok");
    for (std::size_t i = 0; i < messages->size(); ++i) ASSERT_EQ((*messages)[i].seq, static_cast<model::Seq>(i + 1));
    ++reads;
  }
  writer.join();
  EXPECT_EQ(must(store->conversation_get(conversation_id)).last_seq, 200);
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForAnotherWriterAndBlockedWritesAreUnavailable) {
  SqliteOptions quick = options();
  quick.busy_timeout_ms = 100;
  auto store = must(SqliteStore::open(quick));
  model::User alice = add_user(*store, "alice");

  // Another process holds the write lock with an uncommitted change.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(quick.path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE; UPDATE users SET bio = 'uncommitted';", nullptr, nullptr, nullptr),
            SQLITE_OK);

  auto read = store->user_get(alice.id);
  ASSERT_EQ(outcome(read), "ok");
  EXPECT_EQ(read->bio, "");
  auto write = store->user_insert({next_id_++, "bob", "bob", "h", model::Role::user, 1});
  EXPECT_EQ(outcome(write), "unavailable");

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(outcome(store->user_insert({next_id_++, "bob", "bob", "h", model::Role::user, 1})), "ok");
}

TEST_F(SqliteStoreTest, CloseIsIdempotentAndLeavesNoWal) {
  auto store = open_store();
  add_user(*store, "alice");
  store->close();
  store->close();
  std::error_code ec;
  auto wal_size = std::filesystem::file_size(options().path + "-wal", ec);
  EXPECT_TRUE(ec || wal_size == 0) << "WAL still holds " << wal_size << " bytes";
}

}  // namespace
}  // namespace talkline::store::sqlite
