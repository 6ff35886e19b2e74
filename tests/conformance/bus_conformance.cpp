#include "bus_conformance.hpp"

#include <algorithm>
#include <cctype>
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
  if (actual.seq != expected.seq) {
    differences += " seq " + std::to_string(actual.seq) + " != " + std::to_string(expected.seq) + ";";
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

std::shared_ptr<Inbox> BusConformance::subscribe() {
  auto inbox = std::make_shared<Inbox>();
  bus().subscribe([inbox](const bus::Envelope& envelope) { inbox->push(envelope); });
  return inbox;
}

namespace {

bus::Envelope numbered(model::Id conversation_id, model::Seq seq) {
  bus::Envelope envelope;
  envelope.user_ids = {1, 2};
  envelope.event = "message:new";
  envelope.payload_json = R"({"seq":)" + std::to_string(seq) + "}";
  envelope.conversation_id = conversation_id;
  envelope.seq = seq;
  return envelope;
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
  message.seq = 42;

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
    ASSERT_EQ(received[i].seq, i + 1) << "at position " << i;
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
    if (!same_envelope(numbered(envelope.conversation_id, envelope.seq), envelope)) ++damaged;
    if (!seen.insert({envelope.conversation_id, envelope.seq}).second) {
      ++duplicates;
      continue;
    }
    // Each publishing thread's envelopes still arrive in the order it sent them.
    auto& last = last_of_thread[envelope.conversation_id];
    if (envelope.seq <= last) out_of_order.insert(envelope.conversation_id);
    last = std::max(last, envelope.seq);
  }
  EXPECT_EQ(damaged, 0U) << "envelopes whose fields changed on the way";
  EXPECT_EQ(duplicates, 0U) << "envelopes delivered more than once";
  EXPECT_TRUE(out_of_order.empty()) << out_of_order.size() << " publishing thread(s) saw their envelopes reordered";
  EXPECT_EQ(seen.size(), kTotal);
  for (int t = 1; t <= kThreads; ++t) EXPECT_EQ(last_of_thread[t], kPerThread) << "thread " << t;
}

}  // namespace talkline::conformance
