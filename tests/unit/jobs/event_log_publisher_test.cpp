#include "jobs/event_log_publisher.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "services/publisher_fanout.hpp"
#include "util/json.hpp"

namespace talkline::jobs {
namespace {

// Keeps what is appended, for the test to look at.
class RecordingLog final : public EventLog {
 public:
  bool append(Event event) override {
    events.push_back(std::move(event));
    return true;
  }
  bool flush(std::chrono::milliseconds) override { return true; }
  std::unique_ptr<EventConsumer> consumer(std::string, std::string) override { return nullptr; }
  Stats stats() const override { return {}; }

  std::vector<Event> events;
};

model::Message sample() {
  model::Message message;
  message.id = 9'007'199'254'740'993;  // past 2^53: must stay exact as a string
  message.conversation_id = 42;
  message.seq = 7;
  message.sender_id = 1;
  message.client_msg_id = "c-1";
  message.body = "hi \"there\"";
  message.reply_to = 5;
  message.created_at = 0;
  return message;
}

TEST(EventLogPublisher, AppendsMessageCreatedWithIdsAsStringsAndNoText) {
  RecordingLog log;
  EventLogPublisher publisher(log);
  publisher.message_created(sample(), {1, 2, 3}, "conn-1");

  ASSERT_EQ(log.events.size(), 1U);
  EXPECT_EQ(log.events[0].type, "message.created");
  auto payload = util::parse_json_object(log.events[0].payload_json);
  ASSERT_TRUE(payload.ok());
  const auto& json = *payload;
  EXPECT_EQ(json["conversationId"], "42");
  EXPECT_EQ(json["seq"], 7);
  EXPECT_EQ(json["messageId"], "9007199254740993");
  EXPECT_EQ(json["senderId"], "1");
  EXPECT_EQ(json["memberIds"], util::Json::array({"1", "2", "3"}));
  // The log outlives a delete, so it never holds the text.
  EXPECT_FALSE(json.contains("message"));
  EXPECT_EQ(log.events[0].payload_json.find("there"), std::string::npos);
}

TEST(EventLogPublisher, OtherChangesAppendNothing) {
  RecordingLog log;
  EventLogPublisher publisher(log);
  publisher.cursor_moved(model::Member{}, model::CursorKind::read, {1, 2}, 0);
  publisher.conversation_changed(model::Conversation{}, {});
  publisher.session_ended(1, 2);
  model::Change deletion;
  deletion.kind = model::ChangeKind::deleted;
  publisher.message_changed(deletion, {1, 2}, "");
  EXPECT_TRUE(log.events.empty());
}

TEST(PublisherFanout, HandsEveryChangeToEveryTargetAndSkipsNone) {
  RecordingLog first_log;
  RecordingLog second_log;
  EventLogPublisher first(first_log);
  EventLogPublisher second(second_log);
  services::PublisherFanout fanout;
  fanout.add(&first);
  fanout.add(nullptr);  // a job that is not configured
  fanout.add(&second);
  fanout.message_created(sample(), {1, 2}, "");
  fanout.session_ended(1, 2);
  EXPECT_EQ(first_log.events.size(), 1U);
  EXPECT_EQ(second_log.events.size(), 1U);
}

}  // namespace
}  // namespace talkline::jobs
