// The offline notifier end to end inside one process: the event log publisher feeds
// an in-process log, the notifier POSTs to a small HTTP server on a thread.
#include "jobs/offline_notifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "jobs/event_log_publisher.hpp"
#include "jobs/local/local_event_log.hpp"
#include "util/json.hpp"
#include "webhook_test_server.hpp"

namespace talkline::jobs {
namespace {

using namespace std::chrono_literals;
using testing::WebhookTestServer;
using Clock = std::chrono::steady_clock;

constexpr model::Id kSender = 101;
constexpr model::Id kBob = 202;
constexpr model::Id kCarol = 303;
// What the tests wait at most for something that should happen, and how long they let
// the job run on before concluding that something did not happen.
constexpr auto kWait = 10s;
constexpr auto kSettle = 300ms;

WebhookTestServer::Policy always(int status) {
  return [status](std::size_t, const WebhookTestServer::Request&) { return WebhookTestServer::Answer{status}; };
}

WebhookTestServer::Policy fail_first(std::size_t failures) {
  return [failures](std::size_t index, const WebhookTestServer::Request&) {
    return WebhookTestServer::Answer{index < failures ? 503 : 200};
  };
}

// Who the test says is offline, and every list of users the notifier asked about.
struct Presence {
  std::mutex mutex;
  std::set<model::Id> online;
  std::vector<std::vector<model::Id>> asked;

  OfflineFilter filter() {
    return [this](const std::vector<model::Id>& users) {
      std::lock_guard lock(mutex);
      asked.push_back(users);
      std::vector<model::Id> offline;
      for (auto user : users) {
        if (online.count(user) == 0) offline.push_back(user);
      }
      return offline;
    };
  }
};

// The messages as the store holds them now, by (conversation, seq).
struct Messages {
  std::mutex mutex;
  std::map<std::pair<model::Id, model::Seq>, model::Message> stored;
  bool unavailable = false;

  // Changes what is stored from what was sent, as an edit or delete before the read would.
  std::function<void(model::Message&)> on_put;

  void put(model::Message message) {
    std::lock_guard lock(mutex);
    if (on_put) on_put(message);
    stored[{message.conversation_id, message.seq}] = std::move(message);
  }
  void set_unavailable(bool value) {
    std::lock_guard lock(mutex);
    unavailable = value;
  }
  MessageReader reader() {
    return [this](model::Id conversation_id, model::Seq seq) -> Result<std::optional<model::Message>> {
      std::lock_guard lock(mutex);
      if (unavailable) return Error::unavailable("store down");
      auto found = stored.find({conversation_id, seq});
      if (found == stored.end()) return std::optional<model::Message>();
      return std::optional<model::Message>(found->second);
    };
  }
};

class OfflineNotifierTest : public ::testing::Test {
 protected:
  void start(const WebhookTestServer& server, OfflineNotifierOptions options = {},
             std::chrono::milliseconds timeout = 2000ms) {
    auto target = parse_webhook_url(server.url(), "test");
    ASSERT_TRUE(target.ok()) << target.error().message;
    options.consumer_name = "node-test";
    options.backoff_min = 20ms;
    options.backoff_max = 80ms;
    options.poll = 100ms;
    if (options.reclaim_idle == OfflineNotifierOptions{}.reclaim_idle) options.reclaim_idle = 5s;
    notifier_ = std::make_unique<OfflineNotifier>(log_, std::make_unique<HttpWebhookClient>(*target, timeout),
                                                  presence_.filter(), messages_.reader(), options);
    notifier_->start();
  }

  // A new message from kSender to Bob and Carol, as the message service announces it.
  model::Message send(const std::string& body, model::Id id = 9001) {
    model::Message message;
    message.id = id;
    message.conversation_id = 77;
    message.seq = id - 9000;
    message.sender_id = kSender;
    message.client_msg_id = "c-" + std::to_string(id);
    message.body = body;
    message.created_at = 1'700'000'000'000;
    messages_.put(message);
    publisher_.message_created(message, {kSender, kBob, kCarol}, "");
    return message;
  }

  std::size_t pending() {
    auto probe = log_.consumer(std::string(OfflineNotifier::kGroup), "probe");
    auto count = probe->pending();
    return count.ok() ? *count : 999;
  }

  bool eventually(const std::function<bool()>& check) {
    const auto until = Clock::now() + kWait;
    while (Clock::now() < until) {
      if (check()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return check();
  }

  static util::Json body_of(const WebhookTestServer::Request& request) {
    auto parsed = util::parse_json_object(request.body);
    EXPECT_TRUE(parsed.ok()) << request.body;
    return parsed.ok() ? *parsed : util::Json::object();
  }

  local::LocalEventLog log_;
  EventLogPublisher publisher_{log_};
  Presence presence_;
  Messages messages_;
  std::unique_ptr<OfflineNotifier> notifier_;
};

// The message as the store holds it names whom it mentions; the webhook names those of
// its offline recipients, so a push service can tell them apart.
TEST_F(OfflineNotifierTest, NamesTheOfflineRecipientsTheMessageMentions) {
  WebhookTestServer server(always(200));
  presence_.online.insert(kBob);
  messages_.on_put = [](model::Message& message) { message.mentions = {kBob, kCarol}; };
  start(server);
  send("@bob @carol look");

  ASSERT_TRUE(server.wait_for(1, kWait));
  const auto body = body_of(server.requests().front());
  EXPECT_EQ(body["userIds"], util::Json::array({"303"}));
  EXPECT_EQ(body["mentionedUserIds"], util::Json::array({"303"}));
  EXPECT_EQ(body["message"]["mentions"], util::Json::array({"202", "303"}));
}

TEST_F(OfflineNotifierTest, PostsTheMessageAndTheOfflineRecipients) {
  WebhookTestServer server(always(200));
  start(server);
  const auto message = send("hello there");

  ASSERT_TRUE(server.wait_for(1, kWait));
  auto request = server.requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hooks/offline");
  EXPECT_EQ(request.headers["content-type"], "application/json");
  const auto body = body_of(request);
  EXPECT_EQ(body["type"], "message.offline");
  EXPECT_EQ(body["eventId"], request.headers["x-talkline-event-id"]);
  EXPECT_FALSE(request.headers["x-talkline-event-id"].empty());
  EXPECT_EQ(body["userIds"], util::Json::array({"202", "303"}));
  EXPECT_EQ(body["mentionedUserIds"], util::Json::array());
  EXPECT_EQ(body["message"]["id"], "9001");
  EXPECT_EQ(body["message"]["conversationId"], "77");
  EXPECT_EQ(body["message"]["senderId"], "101");
  EXPECT_EQ(body["message"]["seq"], 1);
  EXPECT_EQ(body["message"]["body"], "hello there");
  EXPECT_EQ(body["message"]["createdAt"], "2023-11-14T22:13:20.000Z");

  EXPECT_TRUE(eventually([&] { return pending() == 0; })) << "a delivered event was not acked";
  EXPECT_EQ(notifier_->stats().delivered, 1U);
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(server.requests().size(), 1U) << "an acked event was sent again";
}

TEST_F(OfflineNotifierTest, RetriesWithTheSameEventIdUntilTheWebhookAccepts) {
  WebhookTestServer server(fail_first(3));
  start(server);
  send("try again");

  ASSERT_TRUE(server.wait_for(4, kWait));
  const auto requests = server.requests();
  for (const auto& request : requests) {
    EXPECT_EQ(request.headers.at("x-talkline-event-id"), requests[0].headers.at("x-talkline-event-id"));
    EXPECT_EQ(body_of(request)["message"]["body"], "try again");
  }
  EXPECT_TRUE(eventually([&] { return pending() == 0; }));
  const auto stats = notifier_->stats();
  EXPECT_EQ(stats.delivered, 1U);
  EXPECT_EQ(stats.failed_attempts, 3U);
  EXPECT_EQ(stats.dead_lettered, 0U);
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(server.requests().size(), 4U);
}

TEST_F(OfflineNotifierTest, APermanentFailureEndsInTheDeadLetters) {
  WebhookTestServer server(always(500));
  OfflineNotifierOptions options;
  options.max_attempts = 3;
  start(server, options);
  send("never accepted");

  ASSERT_TRUE(eventually([&] { return notifier_->stats().dead_lettered == 1; }));
  EXPECT_EQ(server.requests().size(), 3U);
  EXPECT_EQ(pending(), 0U) << "a dead-lettered event stays pending";
  auto probe = log_.consumer(std::string(OfflineNotifier::kGroup), "probe");
  auto letters = probe->dead_letters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1U);
  EXPECT_EQ((*letters)[0].event.id, server.requests()[0].headers.at("x-talkline-event-id"));
  EXPECT_EQ((*letters)[0].event.type, kMessageCreated);
  EXPECT_NE((*letters)[0].reason.find("HTTP 500"), std::string::npos) << (*letters)[0].reason;
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(server.requests().size(), 3U) << "attempts went on after the dead letter";
}

TEST_F(OfflineNotifierTest, TheSenderIsNeverNotifiedAndOnlineMembersAreLeftOut) {
  WebhookTestServer server(always(200));
  presence_.online = {kBob};
  start(server);
  send("for carol");

  ASSERT_TRUE(server.wait_for(1, kWait));
  EXPECT_EQ(body_of(server.requests()[0])["userIds"], util::Json::array({"303"}));
  std::lock_guard lock(presence_.mutex);
  ASSERT_FALSE(presence_.asked.empty());
  for (const auto& users : presence_.asked) {
    EXPECT_EQ(std::count(users.begin(), users.end(), kSender), 0) << "the sender was even considered";
  }
}

TEST_F(OfflineNotifierTest, NobodyOfflineMeansNoWebhookAndTheEventIsAcked) {
  WebhookTestServer server(always(200));
  presence_.online = {kBob, kCarol};
  start(server);
  send("everyone is here");

  EXPECT_TRUE(eventually([&] { return notifier_->stats().skipped == 1 && pending() == 0; }));
  std::this_thread::sleep_for(kSettle);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OfflineNotifierTest, AMemberWhoComesBackBeforeTheRetryIsLeftOutOfIt) {
  WebhookTestServer server(fail_first(1));
  start(server);
  send("while you were out");
  ASSERT_TRUE(server.wait_for(1, kWait));
  {
    std::lock_guard lock(presence_.mutex);
    presence_.online = {kBob};
  }
  ASSERT_TRUE(server.wait_for(2, kWait));
  EXPECT_EQ(body_of(server.requests()[0])["userIds"], util::Json::array({"202", "303"}));
  EXPECT_EQ(body_of(server.requests()[1])["userIds"], util::Json::array({"303"}));
}

TEST_F(OfflineNotifierTest, AFailingEventDoesNotHoldUpTheOthers) {
  WebhookTestServer server([](std::size_t, const WebhookTestServer::Request& request) {
    return WebhookTestServer::Answer{request.body.find("stuck") != std::string::npos ? 502 : 200};
  });
  OfflineNotifierOptions options;
  options.max_attempts = 1000;
  start(server, options);
  send("stuck", 9001);
  send("second", 9002);
  send("third", 9003);

  ASSERT_TRUE(eventually([&] { return notifier_->stats().delivered == 2; }));
  EXPECT_EQ(pending(), 1U) << "only the stuck event is still pending";
}

TEST_F(OfflineNotifierTest, TakesOverEventsADeadConsumerLeftPending) {
  WebhookTestServer server(always(200));
  OfflineNotifierOptions options;
  options.reclaim_idle = 300ms;
  // A node that took an event and died before acking it.
  auto dead = log_.consumer(std::string(OfflineNotifier::kGroup), "dead-node");
  send("orphaned");
  std::vector<Event> taken;
  ASSERT_TRUE(eventually([&] {
    auto batch = dead->read(10, 10ms);
    if (batch.ok()) taken.insert(taken.end(), batch->begin(), batch->end());
    return !taken.empty();
  }));

  start(server, options);
  ASSERT_TRUE(server.wait_for(1, kWait));
  EXPECT_EQ(server.requests()[0].headers.at("x-talkline-event-id"), taken[0].id);
  EXPECT_TRUE(eventually([&] { return pending() == 0; }));
  EXPECT_EQ(notifier_->stats().reclaimed, 1U);
}

TEST_F(OfflineNotifierTest, ASlowWebhookTimesOutAndIsRetried) {
  WebhookTestServer server([](std::size_t index, const WebhookTestServer::Request&) {
    return WebhookTestServer::Answer{200, index == 0 ? 1000ms : 0ms};
  });
  start(server, {}, 200ms);
  send("slow");
  ASSERT_TRUE(eventually([&] { return notifier_->stats().delivered == 1; }));
  // The one-connection server stays busy with the first request for a while, so more
  // than one attempt may time out.
  EXPECT_GE(notifier_->stats().failed_attempts, 1U);
  EXPECT_GE(server.requests().size(), 2U);
}

TEST_F(OfflineNotifierTest, StopCutsAWebhookInFlightShortAndLeavesTheEventPending) {
  WebhookTestServer server([](std::size_t, const WebhookTestServer::Request&) {
    return WebhookTestServer::Answer{200, 5000ms};
  });
  start(server, {}, 10000ms);
  send("interrupted");
  ASSERT_TRUE(server.wait_for(1, kWait));

  const auto before = Clock::now();
  notifier_->stop();
  EXPECT_LT(Clock::now() - before, 1500ms) << "stop waited for the webhook";
  EXPECT_EQ(pending(), 1U) << "an unfinished event must stay pending for another node";
  EXPECT_EQ(notifier_->stats().delivered, 0U);
}

TEST_F(OfflineNotifierTest, OtherEventTypesAreAckedWithoutAWebhook) {
  WebhookTestServer server(always(200));
  start(server);
  ASSERT_TRUE(log_.append({"", "conversation.renamed", "{}"}));
  ASSERT_TRUE(log_.append({"", std::string(kMessageCreated), R"({"not":"what it should be"})"}));
  EXPECT_TRUE(eventually([&] { return pending() == 0 && notifier_->stats().dead_lettered == 1; }))
      << "the unreadable one goes to the dead letters, the other is simply acked";
  std::this_thread::sleep_for(kSettle);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OfflineNotifierTest, AnEditedMessageGoesOutAsItIsNowAndADeletedOneNotAtAll) {
  WebhookTestServer server(always(200));
  start(server);
  // The store already holds both as changed when the notifier reads them.
  messages_.on_put = [](model::Message& message) {
    if (message.id == 9001) {
      message.body = "better words";
      message.edited_at = 1'700'000'000'500;
    } else {
      message.body.clear();
      message.deleted_at = 1'700'000'000'600;
    }
  };
  send("first words", 9001);
  send("regretted words", 9002);

  ASSERT_TRUE(server.wait_for(1, kWait));
  EXPECT_TRUE(eventually([&] { return pending() == 0; }));
  std::this_thread::sleep_for(kSettle);
  ASSERT_EQ(server.requests().size(), 1U) << "the deleted message was posted";
  const auto body = body_of(server.requests().front());
  EXPECT_EQ(body["message"]["id"], "9001");
  EXPECT_EQ(body["message"]["body"], "better words");
  EXPECT_EQ(body["message"]["editedAt"], "2023-11-14T22:13:20.500Z");
  EXPECT_EQ(server.requests().front().body.find("regretted"), std::string::npos);
  EXPECT_EQ(notifier_->stats().skipped, 1U);
}

TEST_F(OfflineNotifierTest, AStoreThatCannotAnswerIsAFailedAttemptRetriedLater) {
  WebhookTestServer server(always(200));
  messages_.set_unavailable(true);
  start(server);
  send("hello later");
  EXPECT_TRUE(eventually([&] { return notifier_->stats().failed_attempts >= 1; }));
  EXPECT_TRUE(server.requests().empty());
  messages_.set_unavailable(false);
  ASSERT_TRUE(server.wait_for(1, kWait));
  EXPECT_EQ(body_of(server.requests().front())["message"]["body"], "hello later");
  EXPECT_TRUE(eventually([&] { return pending() == 0; }));
}

TEST(OfflineNotifierConsumerName, IsDifferentForEveryCall) {
  EXPECT_NE(offline_notifier_consumer_name(), offline_notifier_consumer_name());
}

}  // namespace
}  // namespace talkline::jobs
