#include "event_log_conformance.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <set>
#include <thread>

#include "jobs/stream_id.hpp"
#include "util/json.hpp"

namespace talkline::conformance {

using namespace std::chrono_literals;
using jobs::Event;
using Clock = std::chrono::steady_clock;

void PrintTo(const EventLogFactory& factory, std::ostream* out) { *out << factory.name; }

std::string event_log_factory_name(const testing::TestParamInfo<EventLogFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "log" + std::to_string(info.index) : name;
}

void EventLogConformance::append_numbered(jobs::EventLog& log, int from, int count) {
  for (int n = from; n < from + count; ++n) {
    ASSERT_TRUE(log.append({"", "test.event", R"({"n":)" + std::to_string(n) + "}"})) << "append " << n;
  }
  ASSERT_TRUE(log.flush(kDeadline)) << "appended events were not written in time";
}

std::vector<Event> EventLogConformance::read_until(jobs::EventConsumer& consumer, std::size_t count,
                                                   std::size_t per_read) {
  std::vector<Event> events;
  const auto until = Clock::now() + kDeadline;
  while (events.size() < count && Clock::now() < until) {
    auto batch = consumer.read(std::min(per_read, count - events.size()), 200ms);
    if (!batch.ok()) continue;
    std::move(batch->begin(), batch->end(), std::back_inserter(events));
  }
  return events;
}

int EventLogConformance::number_of(const Event& event) {
  auto payload = util::parse_json_object(event.payload_json);
  if (!payload.ok() || !(*payload)["n"].is_number_integer()) return -1;
  return (*payload)["n"].get<int>();
}

std::vector<std::string> EventLogConformance::ids_of(const std::vector<Event>& events) {
  std::vector<std::string> ids;
  for (const auto& event : events) ids.push_back(event.id);
  return ids;
}

namespace {

std::vector<int> numbers(const std::vector<Event>& events) {
  std::vector<int> out;
  for (const auto& event : events) {
    auto payload = util::parse_json_object(event.payload_json);
    out.push_back(payload.ok() && (*payload)["n"].is_number_integer() ? (*payload)["n"].get<int>() : -1);
  }
  return out;
}

std::vector<int> range(int from, int count) {
  std::vector<int> out;
  for (int n = from; n < from + count; ++n) out.push_back(n);
  return out;
}

}  // namespace

// ---- appending and reading -----------------------------------------------------------

TEST_P(EventLogConformance, EventsAreReadInAppendOrderWithIncreasingIds) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  append_numbered(*log, 0, 50);

  const auto events = read_until(*consumer, 50, 7);
  ASSERT_EQ(numbers(events), range(0, 50));
  std::optional<jobs::StreamId> previous;
  for (const auto& event : events) {
    EXPECT_EQ(event.type, "test.event");
    auto id = jobs::parse_stream_id(event.id);
    ASSERT_TRUE(id) << "not a stream id: " << event.id;
    if (previous) {
      EXPECT_LT(*previous, *id);
    }
    previous = id;
  }
  const auto stats = log->stats();
  EXPECT_EQ(stats.appended, 50U);
  EXPECT_EQ(stats.written, 50U);
  EXPECT_EQ(stats.dropped, 0U);
  EXPECT_EQ(stats.queued, 0U);
}

TEST_P(EventLogConformance, PayloadsArriveByteForByte) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  const std::string payload = R"({"text":"h\u00e9llo \"quoted\"\n","emoji":"🙂","big":"18446744073709551615"})";
  ASSERT_TRUE(log->append({"ignored-id", "message.created", payload}));
  ASSERT_TRUE(log->flush(kDeadline));
  const auto events = read_until(*consumer, 1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, "message.created");
  EXPECT_EQ(events[0].payload_json, payload);
  EXPECT_NE(events[0].id, "ignored-id");
}

TEST_P(EventLogConformance, NewGroupStartsAtTheEndOfTheLog) {
  auto log = make_log();
  auto early = log->consumer("early", "a");
  append_numbered(*log, 0, 3);
  auto late = log->consumer("late", "a");
  append_numbered(*log, 3, 2);

  EXPECT_EQ(numbers(read_until(*late, 2)), range(3, 2));
  auto more = late->read(10, 100ms);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->empty()) << "the late group saw events from before it existed";
  EXPECT_EQ(numbers(read_until(*early, 5)), range(0, 5));
}

TEST_P(EventLogConformance, ReadWaitsForTheNextEvent) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  auto reader = std::async(std::launch::async, [&] { return consumer->read(10, 3000ms); });
  std::this_thread::sleep_for(150ms);
  const auto appended_at = Clock::now();
  ASSERT_TRUE(log->append({"", "test.event", R"({"n":1})"}));
  auto events = reader.get();
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1U);
  EXPECT_LT(Clock::now() - appended_at, 2000ms) << "read did not wake up for the new event";
}

TEST_P(EventLogConformance, ReadOnAQuietLogReturnsEmptyAfterItsBlockTime) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  const auto before = Clock::now();
  auto events = consumer->read(10, 200ms);
  ASSERT_TRUE(events.ok()) << events.error().message;
  EXPECT_TRUE(events->empty());
  EXPECT_GE(Clock::now() - before, 150ms);
  EXPECT_LT(Clock::now() - before, 2000ms);
}

// ---- groups, pending and ack ---------------------------------------------------------

TEST_P(EventLogConformance, EveryGroupSeesEveryEvent) {
  auto log = make_log();
  auto first = log->consumer("one", "a");
  auto second = log->consumer("two", "a");
  append_numbered(*log, 0, 10);
  EXPECT_EQ(numbers(read_until(*first, 10)), range(0, 10));
  EXPECT_EQ(numbers(read_until(*second, 10)), range(0, 10));
}

TEST_P(EventLogConformance, TwoConsumersOfOneGroupSplitTheWork) {
  auto log = make_log();
  auto a = log->consumer("g", "a");
  auto b = log->consumer("g", "b");
  append_numbered(*log, 0, 20);

  std::vector<Event> got_a;
  std::vector<Event> got_b;
  const auto until = Clock::now() + kDeadline;
  while (got_a.size() + got_b.size() < 20 && Clock::now() < until) {
    for (auto* side : {&got_a, &got_b}) {
      auto& consumer = side == &got_a ? *a : *b;
      auto batch = consumer.read(3, 50ms);
      ASSERT_TRUE(batch.ok()) << batch.error().message;
      std::move(batch->begin(), batch->end(), std::back_inserter(*side));
    }
  }
  EXPECT_FALSE(got_a.empty());
  EXPECT_FALSE(got_b.empty());
  std::multiset<int> all;
  for (int n : numbers(got_a)) all.insert(n);
  for (int n : numbers(got_b)) all.insert(n);
  const auto expected = range(0, 20);
  EXPECT_EQ(all, std::multiset<int>(expected.begin(), expected.end())) << "every event exactly once across the group";
}

TEST_P(EventLogConformance, AckRemovesEntriesFromPending) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  append_numbered(*log, 0, 5);
  const auto events = read_until(*consumer, 5);
  ASSERT_EQ(events.size(), 5U);
  EXPECT_EQ(*consumer->pending(), 5U);

  auto acked = consumer->ack({events[0].id, events[3].id});
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_EQ(*acked, 2U);
  EXPECT_EQ(*consumer->pending(), 3U);
  EXPECT_EQ(*consumer->ack({events[0].id}), 0U) << "an entry acked twice counts once";
  EXPECT_EQ(*consumer->ack({}), 0U);
  EXPECT_EQ(*consumer->ack(ids_of(events)), 3U);
  EXPECT_EQ(*consumer->pending(), 0U);
}

TEST_P(EventLogConformance, UnackedEntriesAreReclaimedByAnotherConsumerAfterTheIdleTime) {
  auto log = make_log();
  auto dead = log->consumer("g", "dead");
  auto alive = log->consumer("g", "alive");
  append_numbered(*log, 0, 3);
  const auto taken = read_until(*dead, 3);
  ASSERT_EQ(taken.size(), 3U);

  auto early = alive->reclaim(1000ms, 10);
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_TRUE(early->empty()) << "entries were reclaimed before they were idle long enough";

  std::this_thread::sleep_for(1100ms);
  auto reclaimed = alive->reclaim(1000ms, 10);
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.error().message;
  EXPECT_EQ(ids_of(*reclaimed), ids_of(taken));
  EXPECT_EQ(numbers(*reclaimed), range(0, 3));

  // Reclaiming restarted their idle time: nobody takes them straight back.
  auto again = dead->reclaim(1000ms, 10);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(*alive->ack(ids_of(*reclaimed)), 3U);
  EXPECT_EQ(*alive->pending(), 0U);
}

TEST_P(EventLogConformance, ReclaimTakesAtMostTheAskedNumberOldestFirst) {
  auto log = make_log();
  auto dead = log->consumer("g", "dead");
  auto alive = log->consumer("g", "alive");
  append_numbered(*log, 0, 5);
  ASSERT_EQ(read_until(*dead, 5).size(), 5U);
  std::this_thread::sleep_for(700ms);
  auto first = alive->reclaim(600ms, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(numbers(*first), range(0, 2));
  auto rest = alive->reclaim(600ms, 10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(numbers(*rest), range(2, 3)) << "the entries reclaimed a moment ago are not idle yet";
}

TEST_P(EventLogConformance, KeepStopsOthersFromReclaimingEntriesStillWorkedOn) {
  auto log = make_log();
  auto worker = log->consumer("g", "worker");
  auto other = log->consumer("g", "other");
  append_numbered(*log, 0, 2);
  const auto taken = read_until(*worker, 2);
  ASSERT_EQ(taken.size(), 2U);

  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(worker->keep(ids_of(taken)).ok());
  auto none = other->reclaim(600ms, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "kept entries were reclaimed";

  std::this_thread::sleep_for(700ms);
  auto both = other->reclaim(600ms, 10);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(ids_of(*both), ids_of(taken));

  // keep() touches only this consumer's own entries: they are `other`'s now.
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(worker->keep(ids_of(taken)).ok());
  auto back = worker->reclaim(600ms, 10);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ids_of(*back), ids_of(taken)) << "keep() took entries back from their new owner";
}

TEST_P(EventLogConformance, DeadLetterAcksTheEntryAndKeepsACopy) {
  auto log = make_log();
  auto consumer = log->consumer("g", "a");
  append_numbered(*log, 0, 2);
  const auto events = read_until(*consumer, 2);
  ASSERT_EQ(events.size(), 2U);

  ASSERT_TRUE(consumer->dead_letter(events[0], "gave up after 3 attempts").ok());
  ASSERT_TRUE(consumer->dead_letter(events[1], "unreadable").ok());
  EXPECT_EQ(*consumer->pending(), 0U);
  auto letters = consumer->dead_letters(10);
  ASSERT_TRUE(letters.ok()) << letters.error().message;
  ASSERT_EQ(letters->size(), 2U);
  EXPECT_EQ((*letters)[0].event.id, events[1].id) << "newest first";
  EXPECT_EQ((*letters)[0].reason, "unreadable");
  EXPECT_EQ((*letters)[1].event.id, events[0].id);
  EXPECT_EQ((*letters)[1].event.type, "test.event");
  EXPECT_EQ((*letters)[1].event.payload_json, events[0].payload_json);
  EXPECT_EQ((*letters)[1].reason, "gave up after 3 attempts");

  auto other_group = log->consumer("h", "a");
  EXPECT_TRUE(other_group->dead_letters(10)->empty()) << "dead letters belong to their group";
}

TEST_P(EventLogConformance, PruneForgetsIdleConsumersWithoutPendingEntries) {
  auto log = make_log();
  auto idle = log->consumer("g", "idle");
  auto holder = log->consumer("g", "holder");
  auto janitor = log->consumer("g", "janitor");
  // Redis knows a consumer once it was given an entry: `idle` takes one and finishes it.
  append_numbered(*log, 0, 1);
  const auto done = read_until(*idle, 1);
  ASSERT_EQ(done.size(), 1U);
  ASSERT_EQ(*idle->ack(ids_of(done)), 1U);
  append_numbered(*log, 1, 1);
  ASSERT_EQ(read_until(*holder, 1).size(), 1U);
  std::this_thread::sleep_for(150ms);

  auto removed = janitor->prune_consumers(100ms);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1U) << "only `idle` has nothing pending";
  EXPECT_EQ(*janitor->prune_consumers(100ms), 0U);
  EXPECT_EQ(*janitor->pending(), 1U);
}

// ---- bounds --------------------------------------------------------------------------

TEST_P(EventLogConformance, TrimmingKeepsTheNewestEntries) {
  auto log = make_log({.max_len = 100, .max_queued = 10000});
  auto consumer = log->consumer("g", "a");
  append_numbered(*log, 0, 1000);

  std::vector<Event> events;
  for (;;) {
    auto batch = consumer->read(500, 100ms);
    ASSERT_TRUE(batch.ok());
    if (batch->empty()) break;
    std::move(batch->begin(), batch->end(), std::back_inserter(events));
  }
  // Redis trims whole internal nodes (MAXLEN ~): at least 100 entries stay, a few more may.
  ASSERT_GE(events.size(), 100U);
  EXPECT_LT(events.size(), 300U);
  const int first = 1000 - static_cast<int>(events.size());
  EXPECT_EQ(numbers(events), range(first, static_cast<int>(events.size()))) << "the newest, in order";
}

TEST_P(EventLogConformance, ReclaimDropsPendingEntriesThatWereTrimmed) {
  auto log = make_log({.max_len = 100, .max_queued = 10000});
  auto dead = log->consumer("g", "dead");
  auto alive = log->consumer("g", "alive");
  append_numbered(*log, 0, 5);
  ASSERT_EQ(read_until(*dead, 5).size(), 5U);
  append_numbered(*log, 5, 1000);

  auto reclaimed = alive->reclaim(0ms, 100);
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.error().message;
  EXPECT_TRUE(reclaimed->empty()) << "trimmed entries were handed out again";
  EXPECT_EQ(*alive->pending(), 0U);
}

TEST_P(EventLogConformance, AppendNeverBlocksAndDropsPastTheQueueBound) {
  auto log = make_log({.max_len = 100000, .max_queued = 5});
  auto consumer = log->consumer("g", "a");
  GetParam().stall(*log, true);

  int accepted = 0;
  for (int n = 0; n < 20; ++n) {
    const auto before = Clock::now();
    if (log->append({"", "test.event", R"({"n":)" + std::to_string(n) + "}"})) ++accepted;
    EXPECT_LT(Clock::now() - before, 50ms) << "append " << n << " waited";
  }
  EXPECT_EQ(accepted, 5);
  auto stats = log->stats();
  EXPECT_EQ(stats.appended, 5U);
  EXPECT_EQ(stats.dropped, 15U);
  EXPECT_EQ(stats.queued, 5U);

  GetParam().stall(*log, false);
  ASSERT_TRUE(log->flush(kDeadline));
  EXPECT_EQ(numbers(read_until(*consumer, 5)), range(0, 5)) << "the first five, kept in order";
  stats = log->stats();
  EXPECT_EQ(stats.written, 5U);
  EXPECT_EQ(stats.queued, 0U);
}

}  // namespace talkline::conformance
