#include "store/postgres/postgres_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "conformance/store_conformance.hpp"
#include "store/postgres/append_batch.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/message_queries.hpp"
#include "store/postgres/migrations.hpp"
#include "support/postgres_server.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::store::postgres {
namespace {

using conformance::must;
using conformance::outcome;
using talkline::testing::PostgresServer;

// ---- the shared Store suite, on a fresh database per test -----------------------------

// One server for the whole binary, one database in it, and a schema per store: tests
// never see each other's data and each runs the migrations from scratch, at a fraction of
// the cost of a database per test. The extensions the migration asks for live in public,
// where every schema's search_path finds them (a database has each extension once).
std::string fresh_schema_url(const std::string& name) {
  static const std::string database = [] {
    PostgresServer::shared().create_database("talkline_tests");
    PostgresServer::shared().execute(
        "talkline_tests", "CREATE EXTENSION unaccent SCHEMA public; CREATE EXTENSION btree_gin SCHEMA public");
    return std::string("talkline_tests");
  }();
  return PostgresServer::shared().create_schema(database, name);
}

// A name no earlier test of this process used (tests may run repeated, --gtest_repeat).
std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "_" + std::to_string(counter++);
}

std::string fresh_store_url() { return fresh_schema_url(unique_name("conformance")); }

PostgresOptions options_for(const std::string& url) {
  PostgresOptions options;
  options.url = url;
  options.connections = 4;
  options.connect_timeout_seconds = 2;
  options.statement_timeout_ms = 5000;
  // Two writers, so every case also runs with conversations split between them.
  options.append_writers = 2;
  return options;
}

std::unique_ptr<Store> open_fresh_store() {
  const std::string url = fresh_store_url();
  auto opened = PostgresStore::open(options_for(url));
  if (!opened.ok()) {
    ADD_FAILURE() << "open failed: " << conformance::describe(opened.error());
    return nullptr;
  }
  return std::move(opened).value();
}

TALKLINE_INSTANTIATE_STORE_CONFORMANCE(Postgres, conformance::StoreFactory{"postgres", open_fresh_store});

// ---- behaviour particular to the PostgreSQL backend ------------------------------------

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStore> open_store(const std::string& url) {
    return must(PostgresStore::open(options_for(url)));
  }

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

  // An edit of `message_id` to `body` by `actor_id`, at 3000.
  static model::MessageChange edit_of(model::Id conversation_id, model::Id message_id, model::Id actor_id,
                                      std::string body) {
    model::MessageChange edit;
    edit.kind = model::ChangeKind::edited;
    edit.conversation_id = conversation_id;
    edit.message_id = message_id;
    edit.actor_id = actor_id;
    edit.body = std::move(body);
    edit.at = 3000;
    return edit;
  }

  static std::string fresh_url(const std::string& name) { return fresh_schema_url(unique_name(name)); }

  model::Id next_id_ = 1;
};

TEST_F(PostgresStoreTest, OpenRejectsUnusableOptionsAndUnreachableServers) {
  PostgresOptions bad = options_for("postgres://[::1");
  EXPECT_EQ(outcome(PostgresStore::open(bad)), "invalid_argument");
  bad = options_for(PostgresServer::shared().url("postgres"));
  bad.connections = 0;
  EXPECT_EQ(outcome(PostgresStore::open(bad)), "invalid_argument");
  // Nothing listens on port 1: the refusal is immediate and reported as unavailable.
  EXPECT_EQ(outcome(PostgresStore::open(options_for("postgres://postgres@127.0.0.1:1/x"))), "unavailable");
}

TEST_F(PostgresStoreTest, MigrationsRunOnceAndReopeningKeepsTheData) {
  std::string url = fresh_url("reopen");
  model::User alice;
  {
    auto store = open_store(url);
    alice = add_user(*store, "alice");
  }
  for (int i = 0; i < 2; ++i) {
    auto store = open_store(url);
    EXPECT_EQ(must(store->user_get(alice.id)).username, "alice");
  }
}

// A database from before the change feed: migration 0003 numbers its messages' changes by
// their seq (every change was a message then), and the feed and cursors carry on from there.
TEST_F(PostgresStoreTest, MigratingToTheChangeFeedNumbersExistingMessagesByTheirSeq) {
  const std::string url = fresh_url("feed_migration");
  {
    auto db = must(Connection::open(ConnectionOptions{url}));
    std::vector<Migration> before_the_feed = builtin_migrations();
    before_the_feed.resize(2);
    must(apply_migrations(*db, before_the_feed, 1000));
    must(db->exec(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'alice', 'x', 1000),"
        " (2, 'bob', 'x', 1000);"
        "INSERT INTO conversations (id, kind, created_by, created_at, last_activity_at) VALUES (10, 'group', 1, 1000,"
        " 1000);"
        "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (10, 1, 'owner', 1000),"
        " (10, 2, 'member', 1000)"));
    next_id_ = 100;
    for (int i = 0; i < 3; ++i) {
      const Request send = append_request(new_message(10, 1, "old-" + std::to_string(i), "old"));
      must(db->query(send.sql, send.params));
    }
    must(db->exec("UPDATE members SET delivered_seq = 2 WHERE user_id = 2"));
  }

  auto store = open_store(url);
  model::Conversation conversation = must(store->conversation_get(10));
  EXPECT_EQ(conversation.last_seq, 3);
  EXPECT_EQ(conversation.last_change_seq, 3);
  EXPECT_EQ(must(store->member_get(10, 1)).delivered_change_seq, 3);
  EXPECT_EQ(must(store->member_get(10, 2)).delivered_change_seq, 2);
  for (const auto& message : must(store->message_list(10, std::nullopt, std::nullopt, 10))) {
    EXPECT_EQ(message.change_seq, message.seq);
  }

  auto oldest = must(store->message_list(10, std::nullopt, std::nullopt, 10)).front();
  const model::MessageChange edit = edit_of(10, oldest.id, 1, "new");
  EXPECT_EQ(must(store->message_change(edit)).change.change_seq, 4);
  model::Message next = must(store->message_insert(new_message(10, 1, "new", "new"))).message;
  EXPECT_EQ(next.seq, 4);
  EXPECT_EQ(next.change_seq, 5);
  std::vector<model::Seq> feed;
  for (const auto& change : must(store->change_list(10, 2, 10))) feed.push_back(change.change_seq);
  EXPECT_EQ(feed, (std::vector<model::Seq>{3, 4, 5}));
}

TEST_F(PostgresStoreTest, ConcurrentSendsGetEverySeqExactlyOnceAndShareCommits) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  auto store = open_store(fresh_url("concurrent_sends"));
  std::vector<model::User> senders;
  for (int t = 0; t < kThreads; ++t) senders.push_back(add_user(*store, "sender" + std::to_string(t)));
  model::User owner = add_user(*store, "owner");
  model::NewGroupConversation group{next_id_++, "busy", owner.id, {}, 1500};
  for (const auto& sender : senders) group.member_ids.push_back(sender.id);
  model::Id conversation_id = must(store->conversation_create_group(group)).id;

  std::vector<std::vector<model::NewMessage>> work(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      work[t].push_back(new_message(conversation_id, senders[t].id, "t" + std::to_string(t) + "-" + std::to_string(i),
                                    "message " + std::to_string(i)));
    }
  }
  auto before = store->send_stats();
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

  // Sixteen callers: sends queue up and share transactions (group commit).
  auto after = store->send_stats();
  EXPECT_EQ(after.sends - before.sends, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(after.transactions - before.transactions, after.sends - before.sends);
  EXPECT_EQ(must(store->conversation_get(conversation_id)).last_seq, kThreads * kPerThread);
}

TEST_F(PostgresStoreTest, ConcurrentRetriesOfOneClientIdStoreOneMessage) {
  constexpr int kThreads = 12;
  auto store = open_store(fresh_url("concurrent_retries"));
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
  EXPECT_EQ(must(store->message_list(conversation_id, std::nullopt, std::nullopt, 10)).size(), 1U);
}

TEST_F(PostgresStoreTest, ConcurrentDirectCreatesOfOnePairMakeOneConversation) {
  constexpr int kThreads = 8;
  auto store = open_store(fresh_url("concurrent_direct"));
  model::User alice = add_user(*store, "alice");
  model::User bob = add_user(*store, "bob");
  std::vector<Result<Store::DirectOutcome>> results(kThreads, Error::internal("not run"));
  std::vector<model::Id> candidate_ids;
  for (int t = 0; t < kThreads; ++t) candidate_ids.push_back(next_id_++);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      results[t] = store->conversation_create_direct({candidate_ids[t], alice.id, bob.id, 1500});
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<model::Id> ids;
  int created = 0;
  for (const auto& result : results) {
    ASSERT_EQ(outcome(result), "ok");
    ids.insert(result->conversation.id);
    created += result->created ? 1 : 0;
    EXPECT_EQ(result->conversation.members.size(), 2U);
  }
  EXPECT_EQ(ids.size(), 1U);
  EXPECT_EQ(created, 1);
}

// tl_message_append_batch called directly, so the sends are one batch for certain: each
// gets the outcome it would get alone, seqs follow input order per conversation, and each
// new message carries its conversation's members.
TEST_F(PostgresStoreTest, BatchCallAnswersEachSendAsOneAfterAnotherWould) {
  const std::string url = fresh_url("batch_call");
  auto store = open_store(url);
  model::User alice = add_user(*store, "alice");
  model::User bob = add_user(*store, "bob");
  model::User mallory = add_user(*store, "mallory");
  model::Id group = must(store->conversation_create_group({next_id_++, "g", alice.id, {bob.id}, 1500})).id;
  model::Id other = must(store->conversation_create_group({next_id_++, "o", bob.id, {}, 1500})).id;
  model::NewMessage stored = new_message(group, alice.id, "stored", "with \"quotes\", {braces} and \\ NULL");
  model::Message earlier = must(store->message_insert(stored)).message;

  std::vector<model::NewMessage> batch;
  batch.push_back(new_message(other, bob.id, "o1", "first in other"));
  batch.push_back(new_message(group, alice.id, "g1", "first new in group"));
  model::NewMessage retry = stored;
  retry.id = next_id_++;
  batch.push_back(retry);
  model::NewMessage conflict = stored;
  conflict.id = next_id_++;
  conflict.body = "different";
  batch.push_back(conflict);
  batch.push_back(new_message(group, mallory.id, "m1", "not a member"));
  model::NewMessage bad_reply = new_message(other, bob.id, "o2", "reply to another conversation");
  bad_reply.reply_to = earlier.id;
  batch.push_back(bad_reply);
  model::NewMessage reply = new_message(group, bob.id, "g2", "a good reply");
  reply.reply_to = earlier.id;
  batch.push_back(reply);
  batch.push_back(new_message(other, bob.id, "o3", "second in other"));

  auto db = must(Connection::open(ConnectionOptions{url}));
  std::vector<const model::NewMessage*> messages;
  for (const auto& message : batch) messages.push_back(&message);
  const Request call = append_batch_request(messages);
  auto outcomes = append_batch_outcomes(must(db->query(call.sql, call.params)), batch.size());
  ASSERT_EQ(outcomes.size(), batch.size());

  ASSERT_EQ(outcome(outcomes[0]), "ok");
  EXPECT_EQ(outcomes[0]->message.seq, 1);
  EXPECT_EQ(outcomes[0]->member_ids, (std::vector<model::Id>{bob.id}));
  ASSERT_EQ(outcome(outcomes[1]), "ok");
  EXPECT_TRUE(outcomes[1]->created);
  EXPECT_EQ(outcomes[1]->message.seq, 2);
  std::set<model::Id> audience(outcomes[1]->member_ids.begin(), outcomes[1]->member_ids.end());
  EXPECT_EQ(audience, (std::set<model::Id>{alice.id, bob.id}));
  ASSERT_EQ(outcome(outcomes[2]), "ok");
  EXPECT_FALSE(outcomes[2]->created);
  EXPECT_EQ(outcomes[2]->message.id, earlier.id);
  EXPECT_EQ(outcomes[2]->message.body, stored.body);
  EXPECT_TRUE(outcomes[2]->member_ids.empty());
  EXPECT_EQ(outcome(outcomes[3]), "conflict");
  EXPECT_EQ(outcome(outcomes[4]), "not_found");
  EXPECT_EQ(outcome(outcomes[5]), "invalid_argument");
  ASSERT_EQ(outcome(outcomes[6]), "ok");
  EXPECT_EQ(outcomes[6]->message.seq, 3);
  EXPECT_EQ(outcomes[6]->message.reply_to, std::optional<model::Id>(earlier.id));
  std::set<model::Id> later_audience(outcomes[6]->member_ids.begin(), outcomes[6]->member_ids.end());
  EXPECT_EQ(later_audience, audience);
  ASSERT_EQ(outcome(outcomes[7]), "ok");
  EXPECT_EQ(outcomes[7]->message.seq, 2);

  EXPECT_EQ(must(store->conversation_get(group)).last_seq, 3);
  EXPECT_EQ(must(store->conversation_get(other)).last_seq, 2);
  EXPECT_EQ(must(store->member_get(group, bob.id)).read_seq, 3);
  EXPECT_EQ(must(store->member_get(group, alice.id)).delivered_seq, 2);
  EXPECT_EQ(must(store->message_list(group, std::nullopt, std::nullopt, 10)).front().body, stored.body);
}

// Two nodes, each with its own append writer, sending to one conversation at once: the
// conversation's row lock orders their batches, so every seq is taken exactly once.
TEST_F(PostgresStoreTest, TwoNodesAppendingToOneConversationStayGapFree) {
  constexpr int kThreadsPerNode = 6;
  constexpr int kPerThread = 40;
  const std::string url = fresh_url("two_nodes");
  auto first_node = open_store(url);
  auto second_node = open_store(url);
  model::User owner = add_user(*first_node, "owner");
  std::vector<model::User> senders;
  for (int t = 0; t < 2 * kThreadsPerNode; ++t) senders.push_back(add_user(*first_node, "s" + std::to_string(t)));
  model::NewGroupConversation group{next_id_++, "shared", owner.id, {}, 1500};
  for (const auto& sender : senders) group.member_ids.push_back(sender.id);
  model::Id conversation_id = must(first_node->conversation_create_group(group)).id;
  // A second conversation in the same batches, so batches of both nodes lock two rows.
  group.id = next_id_++;
  model::Id side_id = must(second_node->conversation_create_group(group)).id;

  std::vector<std::vector<model::NewMessage>> work(senders.size());
  for (std::size_t t = 0; t < senders.size(); ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      work[t].push_back(new_message(i % 4 == 3 ? side_id : conversation_id, senders[t].id,
                                    "t" + std::to_string(t) + "-" + std::to_string(i), "m"));
    }
  }
  std::vector<std::vector<model::Seq>> seqs(senders.size());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < senders.size(); ++t) {
    threads.emplace_back([&, t] {
      Store& node = t % 2 == 0 ? *first_node : *second_node;
      for (const auto& message : work[t]) {
        auto sent = node.message_insert(message);
        if (!sent.ok() || !sent->created) {
          ++failures;
          continue;
        }
        if (message.conversation_id == conversation_id) seqs[t].push_back(sent->message.seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::vector<model::Seq> all;
  for (const auto& per_thread : seqs) {
    EXPECT_TRUE(std::is_sorted(per_thread.begin(), per_thread.end()));
    all.insert(all.end(), per_thread.begin(), per_thread.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<model::Seq> expected(all.size());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<model::Seq>(i + 1);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(must(first_node->conversation_get(conversation_id)).last_seq, static_cast<model::Seq>(all.size()));
  EXPECT_EQ(must(second_node->conversation_get(side_id)).last_seq,
            static_cast<model::Seq>(senders.size() * kPerThread - all.size()));
}

// The batch function numbers the feed after changes made before it, and recognises the
// retry of a send whose message was edited since (its stored body is no longer the one sent).
TEST_F(PostgresStoreTest, BatchCallNumbersTheFeedAfterEditsAndRecognisesRetriesOfEditedMessages) {
  const std::string url = fresh_url("batch_feed");
  auto store = open_store(url);
  model::User alice = add_user(*store, "alice");
  model::User bob = add_user(*store, "bob");
  model::Id group = must(store->conversation_create_group({next_id_++, "g", alice.id, {bob.id}, 1500})).id;
  model::Id other = must(store->conversation_create_group({next_id_++, "o", bob.id, {}, 1500})).id;
  model::NewMessage original = new_message(group, alice.id, "original", "as sent");
  model::Message sent = must(store->message_insert(original)).message;  // change 1
  const model::MessageChange edit = edit_of(group, sent.id, alice.id, "as edited");
  ASSERT_EQ(must(store->message_change(edit)).change.change_seq, 2);

  std::vector<model::NewMessage> batch;
  model::NewMessage retry = original;
  retry.id = next_id_++;
  batch.push_back(retry);
  batch.push_back(new_message(group, bob.id, "b1", "bob one"));
  batch.push_back(new_message(other, bob.id, "o1", "other one"));
  batch.push_back(new_message(group, bob.id, "b2", "bob two"));
  batch.push_back(new_message(group, alice.id, "a1", "alice one"));
  auto db = must(Connection::open(ConnectionOptions{url}));
  std::vector<const model::NewMessage*> messages;
  for (const auto& message : batch) messages.push_back(&message);
  const Request call = append_batch_request(messages);
  auto outcomes = append_batch_outcomes(must(db->query(call.sql, call.params)), batch.size());
  ASSERT_EQ(outcomes.size(), batch.size());
  for (const auto& sent_outcome : outcomes) ASSERT_EQ(outcome(sent_outcome), "ok");

  EXPECT_FALSE(outcomes[0]->created);
  EXPECT_EQ(outcomes[0]->message.id, sent.id);
  EXPECT_EQ(outcomes[0]->message.body, "as edited");
  EXPECT_EQ(outcomes[0]->message.change_seq, 1);
  EXPECT_EQ(outcomes[1]->message.seq, 2);
  EXPECT_EQ(outcomes[1]->message.change_seq, 3);
  EXPECT_EQ(outcomes[2]->message.change_seq, 1);
  EXPECT_EQ(outcomes[3]->message.seq, 3);
  EXPECT_EQ(outcomes[3]->message.change_seq, 4);
  EXPECT_EQ(outcomes[4]->message.seq, 4);
  EXPECT_EQ(outcomes[4]->message.change_seq, 5);

  model::Conversation conversation = must(store->conversation_get(group));
  EXPECT_EQ(conversation.last_seq, 4);
  EXPECT_EQ(conversation.last_change_seq, 5);
  EXPECT_EQ(must(store->conversation_get(other)).last_change_seq, 1);
  EXPECT_EQ(must(store->member_get(group, bob.id)).delivered_change_seq, 4);
  EXPECT_EQ(must(store->member_get(group, alice.id)).delivered_change_seq, 5);
  std::vector<model::Seq> feed;
  for (const auto& change : must(store->change_list(group, 0, 100))) feed.push_back(change.change_seq);
  EXPECT_EQ(feed, (std::vector<model::Seq>{1, 2, 3, 4, 5}));
}

// The commit metrics mean what they mean on SQLite: one observation per transaction the
// append writer committed, grouped sends or a change, sweep batch or send with
// attachments alone, and none for a transaction that failed.
TEST_F(PostgresStoreTest, CommitMetricsCountEveryCommittedTransactionAndNoFailedOne) {
  auto store = open_store(fresh_url("commit_metrics"));
  model::User alice = add_user(*store, "alice");
  model::Id group = must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id;
  const auto& metrics = util::metrics::node_metrics().store;
  auto commits = [&] { return metrics.commit_duration.snapshot().count; };
  auto jobs = [&] { return metrics.commit_batch.snapshot().sum; };
  auto started = std::make_pair(commits(), jobs());
  auto since_start = [&] { return std::make_pair(commits() - started.first, jobs() - started.second); };

  model::Message sent = must(store->message_insert(new_message(group, alice.id, "one", "hello"))).message;
  EXPECT_EQ(since_start(), std::make_pair(std::uint64_t{1}, std::uint64_t{1})) << "a send";

  model::MessageChange edit = edit_of(group, sent.id, alice.id, "edited");
  must(store->message_change(edit));
  EXPECT_EQ(since_start(), std::make_pair(std::uint64_t{2}, std::uint64_t{2})) << "an edit commits alone";

  must(store->message_expire({group, 10'000'000, 1000, 100}));
  EXPECT_EQ(since_start(), std::make_pair(std::uint64_t{3}, std::uint64_t{3})) << "a sweep batch commits alone";

  started = std::make_pair(commits(), jobs());
  model::NewMessage taken_id = new_message(group, alice.id, "two", "reuses an id");
  taken_id.id = sent.id;  // the statement fails, so the group's transaction rolls back
  EXPECT_FALSE(store->message_insert(taken_id).ok());
  edit.message_id = sent.id + 1000;
  EXPECT_FALSE(store->message_change(edit).ok());
  EXPECT_EQ(since_start(), std::make_pair(std::uint64_t{0}, std::uint64_t{0})) << "failed transactions are not commits";
}

// Two nodes editing, deleting and sending in one conversation at once, with two changers
// on each node's pool: the conversation's row lock orders every change and every send
// batch, so each change_seq is taken exactly once, and the feed lists exactly what each
// caller was told.
TEST_F(PostgresStoreTest, ConcurrentChangesAndSendsOnTwoNodesTakeEveryChangeSeqOnce) {
  constexpr int kMessagesPerChanger = 12;
  constexpr int kSendsPerSender = 30;
  const std::string url = fresh_url("concurrent_changes");
  auto first_node = open_store(url);
  auto second_node = open_store(url);
  model::User alice = add_user(*first_node, "alice");
  model::User bob = add_user(*first_node, "bob");
  model::Id conversation_id =
      must(first_node->conversation_create_group({next_id_++, "g", alice.id, {bob.id}, 1500})).id;

  std::mutex mutex;
  std::vector<std::pair<model::Seq, model::ChangeKind>> told;  // every change_seq a caller got
  auto tell = [&](model::Seq change_seq, model::ChangeKind kind) {
    std::lock_guard lock(mutex);
    told.emplace_back(change_seq, kind);
  };
  struct Changer {
    Store* node;
    model::User actor;
    std::vector<model::Message> messages;  // the actor's own, to edit and then delete
  };
  std::vector<Changer> changers{{first_node.get(), alice, {}},
                                {second_node.get(), alice, {}},
                                {second_node.get(), bob, {}},
                                {first_node.get(), bob, {}}};
  for (auto& changer : changers) {
    for (int i = 0; i < kMessagesPerChanger; ++i) {
      auto sent = must(changer.node->message_insert(
          new_message(conversation_id, changer.actor.id, "seed-" + std::to_string(next_id_), "seed")));
      tell(sent.message.change_seq, model::ChangeKind::created);
      changer.messages.push_back(sent.message);
    }
  }

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (const auto& changer : changers) {
    threads.emplace_back([&, changer] {
      for (const auto& message : changer.messages) {
        for (model::ChangeKind kind : {model::ChangeKind::edited, model::ChangeKind::deleted}) {
          model::MessageChange change;
          change.kind = kind;
          change.conversation_id = conversation_id;
          change.message_id = message.id;
          change.actor_id = changer.actor.id;
          change.body = "changed";
          change.at = 3000;
          auto changed = changer.node->message_change(change);
          if (!changed.ok() || !changed->created) {
            ++failures;
            continue;
          }
          tell(changed->change.change_seq, kind);
        }
      }
    });
  }
  std::vector<std::vector<model::NewMessage>> sends(2);
  for (int i = 0; i < kSendsPerSender; ++i) {
    sends[0].push_back(new_message(conversation_id, alice.id, "a" + std::to_string(i), "from alice"));
    sends[1].push_back(new_message(conversation_id, bob.id, "b" + std::to_string(i), "from bob"));
  }
  for (std::size_t s = 0; s < sends.size(); ++s) {
    threads.emplace_back([&, s] {
      Store& node = s == 0 ? *first_node : *second_node;
      for (const auto& message : sends[s]) {
        auto sent = node.message_insert(message);
        if (!sent.ok() || !sent->created) {
          ++failures;
          continue;
        }
        tell(sent->message.change_seq, model::ChangeKind::created);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::sort(told.begin(), told.end());
  for (std::size_t i = 0; i < told.size(); ++i) {
    ASSERT_EQ(told[i].first, static_cast<model::Seq>(i + 1)) << "every change_seq is taken exactly once";
  }
  auto feed = must(second_node->change_list(conversation_id, 0, static_cast<int>(told.size()) + 10));
  ASSERT_EQ(feed.size(), told.size());
  for (std::size_t i = 0; i < feed.size(); ++i) {
    EXPECT_EQ(feed[i].change_seq, told[i].first);
    EXPECT_EQ(feed[i].kind, told[i].second) << "change " << told[i].first;
  }
  model::Conversation conversation = must(first_node->conversation_get(conversation_id));
  EXPECT_EQ(conversation.last_change_seq, static_cast<model::Seq>(told.size()));
  EXPECT_EQ(conversation.last_seq,
            static_cast<model::Seq>(changers.size() * kMessagesPerChanger + sends.size() * kSendsPerSender));
}

// A member added while sends commit starts with both cursors on one message: the
// delivered change_seq is that of the message at the delivered seq, however the add and
// the sends interleave (the add waits on the conversation's row lock behind a send).
TEST_F(PostgresStoreTest, MembersAddedDuringSendsStartOnTheLastMessagesChangeSeq) {
  constexpr int kSends = 80;
  constexpr int kJoiners = 24;
  const std::string url = fresh_url("add_during_sends");
  auto first_node = open_store(url);
  auto second_node = open_store(url);
  model::User alice = add_user(*first_node, "alice");
  model::Id conversation_id = must(first_node->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id;
  std::vector<model::User> joiners;
  for (int i = 0; i < kJoiners; ++i) joiners.push_back(add_user(*first_node, "joiner" + std::to_string(i)));
  std::vector<model::NewMessage> sends;
  for (int i = 0; i < kSends; ++i) {
    sends.push_back(new_message(conversation_id, alice.id, "s" + std::to_string(i), "hello"));
  }

  std::atomic<int> failures{0};
  std::thread sender([&] {
    for (const auto& message : sends) {
      if (!first_node->message_insert(message).ok()) ++failures;
    }
  });
  std::thread adder([&] {
    for (const auto& joiner : joiners) {
      if (!second_node->member_add(conversation_id, {joiner.id}, 3000, 100).ok()) ++failures;
    }
  });
  sender.join();
  adder.join();
  ASSERT_EQ(failures.load(), 0);

  for (const auto& joiner : joiners) {
    model::Member member = must(first_node->member_get(conversation_id, joiner.id));
    if (member.delivered_seq == 0) {
      EXPECT_EQ(member.delivered_change_seq, 0);
      continue;
    }
    auto at_cursor = must(first_node->message_list(conversation_id, std::nullopt, member.delivered_seq - 1, 1));
    ASSERT_EQ(at_cursor.size(), 1u);
    EXPECT_EQ(member.delivered_change_seq, at_cursor[0].change_seq) << joiner.username;
  }
}

// Writers partitioned by conversation: each conversation's sends stay gap-free and
// complete in the order sent, whichever writer of the node carries them.
TEST_F(PostgresStoreTest, SendsSplitAmongWritersKeepEachConversationInOrder) {
  constexpr int kConversations = 6;
  constexpr int kPerConversation = 30;
  PostgresOptions options = options_for(fresh_url("writers"));
  options.append_writers = 3;
  auto store = must(PostgresStore::open(options));
  model::User alice = add_user(*store, "alice");
  std::vector<model::Id> conversations;
  for (int c = 0; c < kConversations; ++c) {
    conversations.push_back(must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id);
  }
  std::mutex mutex;
  std::map<model::Id, std::vector<model::Seq>> completed;  // per conversation, in completion order
  std::atomic<int> pending{kConversations * kPerConversation};
  std::promise<void> all_done;
  for (int i = 0; i < kPerConversation; ++i) {
    for (model::Id conversation_id : conversations) {
      store->message_insert_async(
          new_message(conversation_id, alice.id, std::to_string(conversation_id) + "-" + std::to_string(i), "m"),
          [&, conversation_id](Result<model::SendOutcome> sent) {
            {
              std::lock_guard lock(mutex);
              completed[conversation_id].push_back(sent.ok() ? sent->message.seq : -1);
            }
            if (--pending == 0) all_done.set_value();
          });
    }
  }
  all_done.get_future().wait();
  std::vector<model::Seq> expected(kPerConversation);
  for (int i = 0; i < kPerConversation; ++i) expected[i] = i + 1;
  for (model::Id conversation_id : conversations) EXPECT_EQ(completed[conversation_id], expected);
  EXPECT_EQ(store->send_stats().sends, static_cast<std::uint64_t>(kConversations * kPerConversation));
}

// A server of its own for the tests that stop and restart it, shared between them.
PostgresServer& restartable_server() {
  static PostgresServer server;
  return server;
}

// The whole outage story: calls fail fast with `unavailable` while the server is down,
// nothing hangs, and the store serves again once the server is back — with the retry of
// an unanswered send recognised rather than stored twice.
TEST_F(PostgresStoreTest, ServerOutageFailsCallsAsUnavailableAndTheStoreRecovers) {
  PostgresServer& server = restartable_server();
  auto store = open_store(server.create_database(unique_name("outage")));
  model::User alice = add_user(*store, "alice");
  model::Id conversation_id = must(store->conversation_create_group({next_id_++, "g", alice.id, {}, 1500})).id;
  model::NewMessage first = new_message(conversation_id, alice.id, "before", "sent before the outage");
  must(store->message_insert(first));

  server.stop();
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(outcome(store->message_insert(new_message(conversation_id, alice.id, "during", "lost?"))), "unavailable");
    EXPECT_EQ(outcome(store->user_get(alice.id)), "unavailable");
    EXPECT_EQ(outcome(store->conversation_list_for_user(alice.id, std::nullopt, 10)), "unavailable");
  }
  EXPECT_EQ(outcome(store->ping()), "unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  server.start();
  Result<model::SendOutcome> retried = Error::unavailable("not tried");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    retried = store->message_insert(new_message(conversation_id, alice.id, "during", "lost?"));
    if (retried.ok()) break;
    EXPECT_EQ(outcome(retried), "unavailable");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(outcome(retried), "ok");
  EXPECT_EQ(retried->message.seq, 2);
  auto again = must(store->message_insert(new_message(conversation_id, alice.id, "during", "lost?")));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.message.id, retried->message.id);
  EXPECT_EQ(must(store->message_list(conversation_id, std::nullopt, std::nullopt, 10)).size(), 2U);
  EXPECT_EQ(outcome(store->ping()), "ok");
}

// Connections the server closed while they sat idle (a restart between two calls) are
// replaced before use, so no call after the restart sees the old ones fail.
TEST_F(PostgresStoreTest, CallsAfterARestartDoNotFailOnStaleConnections) {
  PostgresServer& server = restartable_server();
  auto store = open_store(server.create_database(unique_name("restart")));
  model::User alice = add_user(*store, "alice");
  auto call_from_many_threads = [&] {
    std::vector<Result<model::User>> results(16, Error::internal("not run"));
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
      threads.emplace_back([&, t] { results[t] = store->user_get(alice.id); });
    }
    for (auto& thread : threads) thread.join();
    return results;
  };
  call_from_many_threads();  // every pool connection is open now

  server.stop();
  server.start();
  for (const auto& result : call_from_many_threads()) EXPECT_EQ(outcome(result), "ok");
}

TEST_F(PostgresStoreTest, CloseRefusesLaterCallsAndIsIdempotent) {
  auto store = open_store(fresh_url("close"));
  model::User alice = add_user(*store, "alice");
  store->close();
  store->close();
  EXPECT_EQ(outcome(store->user_get(alice.id)), "unavailable");
  EXPECT_EQ(outcome(store->ping()), "unavailable");
}

// A send's foreign-key check holds a KEY SHARE lock on its sender's row until the send's
// commit; the quota's lock on the uploader must not wait for it, nor make sends wait.
TEST_F(PostgresStoreTest, AnUploadsQuotaLockDoesNotConflictWithASendsForeignKeyCheck) {
  const std::string url = fresh_url("quota_lock");
  auto store = open_store(url);
  model::User alice = add_user(*store, "alice");
  auto db = must(Connection::open(ConnectionOptions{url}));
  must(db->exec("BEGIN"));
  must(db->query("SELECT 1 FROM users WHERE id = " + std::to_string(alice.id) + " FOR KEY SHARE"));

  model::Upload upload;
  upload.id = next_id_++;
  upload.uploader_id = alice.id;
  upload.size = 10;
  upload.content_type = "text/plain";
  upload.sha256 = std::string(64, 'a');
  upload.blob_key = "u/" + std::to_string(upload.id);
  upload.created_at = 3000;
  auto inserted = std::async(std::launch::async, [&] { return store->upload_insert(upload, 0, 1000); });
  const bool finished = inserted.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  must(db->exec("COMMIT"));
  EXPECT_TRUE(finished) << "the upload waited for the sender's key-share lock";
  EXPECT_EQ(outcome(inserted.get()), "ok");
}

}  // namespace
}  // namespace talkline::store::postgres
