#include "bus_conformance.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <utility>

namespace talkline::conformance {

void PrintTo(const BusFactory& factory, std::ostream* out) { *out << factory.name; }

std::string bus_factory_name(const testing::TestParamInfo<BusFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "bus" + std::to_string(info.index) : name;
}

void Inbox::push(const bus::Envelope& envelope) {
  {
    std::lock_guard lock(mutex_);
    received_.push_back(envelope);
  }
  arrived_.notify_all();
}

bool Inbox::wait_for(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

std::vector<bus::Envelope> Inbox::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool Inbox::wait_for_event(std::string_view event, std::chrono::milliseconds timeout, std::size_t count) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(),
                                                  [&](const auto& e) { return e.event == event; })) >= count;
  });
}

std::vector<bus::Envelope> Inbox::received_except(std::string_view event) const {
  std::lock_guard lock(mutex_);
  std::vector<bus::Envelope> kept;
  for (const auto& envelope : received_) {
    if (envelope.event != event) kept.push_back(envelope);
  }
  return kept;
}

std::size_t Inbox::size() const {
  std::lock_guard lock(mutex_);
  return received_.size();
}

testing::AssertionResult same_envelope(const bus::Envelope& expected, const bus::Envelope& actual) {
  std::string differences;
  auto ids = [](const std::vector<model::Id>& list) {
    std::string text = "[";
    for (const auto id : list) text += (text.size() > 1 ? "," : "") + std::to_string(id);
    return text + "]";
  };
  if (actual.user_ids != expected.user_ids) {
    differences += " user_ids " + ids(actual.user_ids) + " != " + ids(expected.user_ids) + ";";
  }
  if (actual.event != expected.event) differences += " event '" + actual.event + "' != '" + expected.event + "';";
  if (actual.payload_json != expected.payload_json) {
    differences += " payload_json differs (" + std::to_string(actual.payload_json.size()) + " vs " +
                   std::to_string(expected.payload_json.size()) + " bytes);";
  }
  if (actual.skip_connection != expected.skip_connection) {
    differences += " skip_connection '" + actual.skip_connection + "' != '" + expected.skip_connection + "';";
  }
  if (actual.conversation_id != expected.conversation_id) {
    differences += " conversation_id " + std::to_string(actual.conversation_id) +
                   " != " + std::to_string(expected.conversation_id) + ";";
  }
  if (actual.change_seq != expected.change_seq) {
    differences += " change_seq " + std::to_string(actual.change_seq) + " != " + std::to_string(expected.change_seq) + ";";
  }
  if (actual.end_session_id != expected.end_session_id) {
    differences += " end_session_id " + std::to_string(actual.end_session_id) +
                   " != " + std::to_string(expected.end_session_id) + ";";
  }
  if (differences.empty()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "envelope differs:" << differences;
}

void BusConformance::SetUp() {
  bus_ = make_bus();
  ASSERT_NE(bus_, nullptr) << "the factory of " << GetParam().name << " made no bus";
}

// The bus goes first: a backend that delivers on its own thread must stop calling the
// handler when destroyed, and the handler holds its Inbox alive in any case.
void BusConformance::TearDown() { bus_.reset(); }

std::unique_ptr<bus::Bus> BusConformance::make_bus() const { return GetParam().make(); }

std::shared_ptr<Inbox> BusConformance::subscribe() { return subscribe(bus()); }

std::shared_ptr<Inbox> BusConformance::subscribe(bus::Bus& node) {
  auto inbox = std::make_shared<Inbox>();
  node.subscribe([inbox](const bus::Envelope& envelope) { inbox->push(envelope); });
  return inbox;
}

std::vector<std::unique_ptr<bus::Bus>> BusConformance::cluster(int nodes) const {
  std::vector<std::unique_ptr<bus::Bus>> made;
  if (!GetParam().make_cluster) return made;
  auto make_node = GetParam().make_cluster();
  for (int i = 0; i < nodes; ++i) made.push_back(make_node());
  return made;
}

namespace {

bus::Envelope numbered(model::Id conversation_id, model::Seq seq) {
  bus::Envelope envelope;
  envelope.user_ids = {1, 2};
  envelope.event = "message:new";
  envelope.payload_json = R"({"seq":)" + std::to_string(seq) + "}";
  envelope.conversation_id = conversation_id;
  envelope.change_seq = seq;
  return envelope;
}

bus::Envelope to_users(std::vector<model::Id> users, std::string event, model::Seq seq = 0) {
  bus::Envelope envelope;
  envelope.user_ids = std::move(users);
  envelope.event = std::move(event);
  envelope.payload_json = R"({"n":)" + std::to_string(seq) + "}";
  envelope.change_seq = seq;
  return envelope;
}

// Interest takes effect some time after add_interest on a networked bus. Publishes a
// probe for `user` from `from` until `to` has one: from then on `to` hears that user.
testing::AssertionResult probe(bus::Bus& from, Inbox& to, model::Id user) {
  // Unique per call, so a probe the sender delivered to itself never counts.
  static std::atomic<int> calls{0};
  const std::string event = "probe:" + std::to_string(user) + ":" + std::to_string(++calls);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10'000);
  while (std::chrono::steady_clock::now() < deadline) {
    from.publish(to_users({user}, event));
    if (to.wait_for_event(event, std::chrono::milliseconds(20))) return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "no probe for user " << user << " arrived in 10 s";
}

// What arrived that is not a probe or fence of the cluster cases.
std::vector<bus::Envelope> payload_of(const Inbox& inbox) {
  std::vector<bus::Envelope> kept;
  for (auto& envelope : inbox.received()) {
    if (envelope.event.rfind("probe:", 0) != 0 && envelope.event != "fence") kept.push_back(envelope);
  }
  return kept;
}

}  // namespace

TEST_P(BusConformance, PublishedEnvelopeReachesTheHandlerWithEveryFieldIntact) {
  auto inbox = subscribe();

  bus::Envelope message;
  message.user_ids = {1, 9'007'199'254'740'993, 9'223'372'036'854'775'807};
  message.event = "message:new";
  message.payload_json = R"({"id":"9007199254740993","body":"quote \" backslash \\ newline \n snowman \u2603 )"
                         "\xE2\x98\x83 emoji \xF0\x9F\x98\x80\",\"seq\":42}";
  message.skip_connection = "sock-\xC3\xA9-1";
  message.conversation_id = 9'007'199'254'740'995;
  message.change_seq = 42;

  bus::Envelope session_end;
  session_end.user_ids = {7};
  session_end.end_session_id = 123'456'789'012'345;

  bus::Envelope large;
  large.user_ids = {};
  large.event = "conversation:updated";
  large.payload_json = R"({"title":")" + std::string(256 * 1024, 'x') + R"("})";

  bus().publish(message);
  bus().publish(session_end);
  bus().publish(large);

  ASSERT_TRUE(inbox->wait_for(3, kDeadline)) << "only " << inbox->size() << " of 3 envelopes arrived";
  const auto received = inbox->received();
  ASSERT_EQ(received.size(), 3U);
  EXPECT_TRUE(same_envelope(message, received[0]));
  EXPECT_TRUE(same_envelope(session_end, received[1]));
  EXPECT_TRUE(same_envelope(large, received[2]));
}

TEST_P(BusConformance, EnvelopesFromOneThreadArriveInOrder) {
  constexpr int kCount = 1000;
  auto inbox = subscribe();
  for (int i = 1; i <= kCount; ++i) bus().publish(numbered(5, i));

  ASSERT_TRUE(inbox->wait_for(kCount, kDeadline)) << "only " << inbox->size() << " of " << kCount << " arrived";
  const auto received = inbox->received();
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(received[i].change_seq, i + 1) << "at position " << i;
    ASSERT_TRUE(same_envelope(numbered(5, i + 1), received[i]));
  }
}

TEST_P(BusConformance, PublishingWithNoSubscriberDoesNotCrash) {
  auto lonely = make_bus();
  ASSERT_NE(lonely, nullptr);
  for (int i = 1; i <= 100; ++i) lonely->publish(numbered(1, i));
  bus::Envelope session_end;
  session_end.user_ids = {1};
  session_end.end_session_id = 9;
  lonely->publish(session_end);
  lonely->publish(bus::Envelope{});
  // Give a backend that delivers later the chance to misbehave before it is destroyed.
  std::this_thread::sleep_for(kSettle);
  lonely.reset();

  // And a subscribed bus made alongside still works.
  auto inbox = subscribe();
  bus().publish(numbered(2, 1));
  ASSERT_TRUE(inbox->wait_for(1, kDeadline));
  std::this_thread::sleep_for(kSettle);
  ASSERT_EQ(inbox->size(), 1U) << "the subscribed bus received envelopes it was never given";
  EXPECT_TRUE(same_envelope(numbered(2, 1), inbox->received().front()));
}

TEST_P(BusConformance, EnvelopesFromSeveralThreadsAllArriveExactlyOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  constexpr std::size_t kTotal = kThreads * kPerThread;
  auto inbox = subscribe();

  std::vector<std::thread> publishers;
  for (int t = 1; t <= kThreads; ++t) {
    publishers.emplace_back([this, t] {
      for (int i = 1; i <= kPerThread; ++i) bus().publish(numbered(t, i));
    });
  }
  for (auto& publisher : publishers) publisher.join();

  ASSERT_TRUE(inbox->wait_for(kTotal, kDeadline)) << "only " << inbox->size() << " of " << kTotal << " arrived";
  std::this_thread::sleep_for(kSettle);
  const auto received = inbox->received();
  EXPECT_EQ(received.size(), kTotal) << "some envelopes arrived more than once";

  // Tallied rather than asserted per envelope, so a broken backend gets a short report.
  std::set<std::pair<model::Id, model::Seq>> seen;
  std::map<model::Id, model::Seq> last_of_thread;
  std::size_t damaged = 0;
  std::size_t duplicates = 0;
  std::set<model::Id> out_of_order;
  for (const auto& envelope : received) {
    if (!same_envelope(numbered(envelope.conversation_id, envelope.change_seq), envelope)) ++damaged;
    if (!seen.insert({envelope.conversation_id, envelope.change_seq}).second) {
      ++duplicates;
      continue;
    }
    // Each publishing thread's envelopes still arrive in the order it sent them.
    auto& last = last_of_thread[envelope.conversation_id];
    if (envelope.change_seq <= last) out_of_order.insert(envelope.conversation_id);
    last = std::max(last, envelope.change_seq);
  }
  EXPECT_EQ(damaged, 0U) << "envelopes whose fields changed on the way";
  EXPECT_EQ(duplicates, 0U) << "envelopes delivered more than once";
  EXPECT_TRUE(out_of_order.empty()) << out_of_order.size() << " publishing thread(s) saw their envelopes reordered";
  EXPECT_EQ(seen.size(), kTotal);
  for (int t = 1; t <= kThreads; ++t) EXPECT_EQ(last_of_thread[t], kPerThread) << "thread " << t;
}

TEST_P(BusConformance, InterestCallsLeaveThisNodesOwnDeliveryAlone) {
  auto inbox = subscribe();
  bus().add_interest(11);
  bus().add_interest(11);
  std::promise<void> ready;
  bus().await_interest(11, [&ready] { ready.set_value(); });
  ASSERT_EQ(ready.get_future().wait_for(kDeadline), std::future_status::ready) << "await_interest never answered";
  bus().remove_interest(11);
  bus().remove_interest(11);
  bus().remove_interest(12);  // never added: ignored

  // The node's own handler gets everything published on it, interest or not.
  bus().publish(numbered(3, 1));
  bus().publish(to_users({12}, "typing", 2));
  ASSERT_TRUE(inbox->wait_for(2, kDeadline));
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(inbox->size(), 2U);
}

// ---- several nodes on one backend (skipped for a single-node bus) -------------------

TEST_P(BusConformance, ClusterDeliversToTheNodeWithInterestOnceAndInOrder) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " has a single node";
  auto& a = *nodes[0];
  auto& b = *nodes[1];
  auto at_a = subscribe(a);
  auto at_b = subscribe(b);
  b.add_interest(7);
  ASSERT_TRUE(probe(a, *at_b, 7));

  constexpr int kCount = 300;
  for (int i = 1; i <= kCount; ++i) {
    auto envelope = numbered(4, i);
    envelope.user_ids = {7, 8};  // nobody anywhere has interest in 8
    a.publish(envelope);
  }
  a.publish(to_users({7}, "fence"));
  ASSERT_TRUE(at_b->wait_for_event("fence", kDeadline));

  const auto got = payload_of(*at_b);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount)) << "node B got envelopes more or less than once";
  for (int i = 0; i < kCount; ++i) {
    auto expected = numbered(4, i + 1);
    expected.user_ids = {7};  // narrowed to the users B has interest in
    ASSERT_TRUE(same_envelope(expected, got[i])) << "at position " << i;
  }
  // The publishing node got each one once, at once, with every recipient.
  const auto local = payload_of(*at_a);
  ASSERT_EQ(local.size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(local.front().user_ids, (std::vector<model::Id>{7, 8}));
}

TEST_P(BusConformance, ClusterSendsNothingToANodeWithoutInterest) {
  auto nodes = cluster(3);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " has a single node";
  auto& a = *nodes[0];
  auto at_b = subscribe(*nodes[1]);
  auto at_c = subscribe(*nodes[2]);
  nodes[1]->add_interest(7);
  nodes[2]->add_interest(8);
  ASSERT_TRUE(probe(a, *at_b, 7));
  ASSERT_TRUE(probe(a, *at_c, 8));

  for (int i = 1; i <= 50; ++i) a.publish(to_users({7}, "message:new", i));
  a.publish(to_users({8}, "fence"));
  a.publish(to_users({7}, "fence"));
  ASSERT_TRUE(at_c->wait_for_event("fence", kDeadline));
  ASSERT_TRUE(at_b->wait_for_event("fence", kDeadline));
  EXPECT_EQ(payload_of(*at_b).size(), 50U);
  EXPECT_TRUE(payload_of(*at_c).empty()) << "node C got " << payload_of(*at_c).size() << " envelopes for user 7";
}

TEST_P(BusConformance, ClusterNarrowsAnEnvelopeToEachInterestedUserOnce) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " has a single node";
  auto& a = *nodes[0];
  auto at_b = subscribe(*nodes[1]);
  nodes[1]->add_interest(7);
  nodes[1]->add_interest(8);
  ASSERT_TRUE(probe(a, *at_b, 7));
  ASSERT_TRUE(probe(a, *at_b, 8));

  constexpr int kCount = 100;
  for (int i = 1; i <= kCount; ++i) a.publish(to_users({7, 8, 9, 7}, "receipt", i));
  a.publish(to_users({7}, "fence"));
  ASSERT_TRUE(at_b->wait_for_event("fence", kDeadline));

  std::map<model::Seq, std::multiset<model::Id>> users_by_seq;
  for (const auto& envelope : payload_of(*at_b)) {
    users_by_seq[envelope.change_seq].insert(envelope.user_ids.begin(), envelope.user_ids.end());
  }
  ASSERT_EQ(users_by_seq.size(), static_cast<std::size_t>(kCount));
  for (const auto& [seq, users] : users_by_seq) {
    EXPECT_EQ(users, (std::multiset<model::Id>{7, 8})) << "seq " << seq;
  }
}

TEST_P(BusConformance, ClusterStopsDeliveringWhenTheLastInterestGoes) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " has a single node";
  auto& a = *nodes[0];
  auto& b = *nodes[1];
  auto at_b = subscribe(b);
  b.add_interest(7);
  b.add_interest(7);
  ASSERT_TRUE(probe(a, *at_b, 7));

  // One of two connections gone: still interested.
  b.remove_interest(7);
  a.publish(to_users({7}, "message:new", 1));
  a.publish(to_users({7}, "fence"));
  ASSERT_TRUE(at_b->wait_for_event("fence", kDeadline));
  ASSERT_EQ(payload_of(*at_b).size(), 1U);

  // The last one gone. Interest changes take effect in order, so once a later interest
  // is live the removal is too.
  b.remove_interest(7);
  b.add_interest(9);
  ASSERT_TRUE(probe(a, *at_b, 9));
  a.publish(to_users({7}, "message:new", 2));
  a.publish(to_users({9}, "fence"));
  ASSERT_TRUE(at_b->wait_for_event("fence", kDeadline, 2));
  const auto got = payload_of(*at_b);
  ASSERT_EQ(got.size(), 1U) << "node B still got envelopes for user 7 after its interest ended";
  EXPECT_EQ(got.front().change_seq, 1);
}

TEST_P(BusConformance, ClusterNodeWithInterestGetsItsOwnEnvelopeOnce) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " has a single node";
  auto& a = *nodes[0];
  auto& b = *nodes[1];
  auto at_a = subscribe(a);
  auto at_b = subscribe(b);
  a.add_interest(7);
  b.add_interest(7);
  ASSERT_TRUE(probe(a, *at_b, 7));
  ASSERT_TRUE(probe(b, *at_a, 7));

  a.publish(to_users({7}, "message:new", 1));
  ASSERT_TRUE(at_b->wait_for(1, kDeadline));
  ASSERT_TRUE(at_b->wait_for_event("message:new", kDeadline));
  // B's fence reaches A after anything A's own publish could have brought back to it.
  b.publish(to_users({7}, "fence"));
  ASSERT_TRUE(at_a->wait_for_event("fence", kDeadline));
  EXPECT_EQ(payload_of(*at_a).size(), 1U) << "node A got its own envelope back";
  EXPECT_EQ(payload_of(*at_b).size(), 1U);
}

}  // namespace talkline::conformance
