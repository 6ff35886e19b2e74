#include "realtime/bus_publisher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "wire/conversation_json.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {
namespace {

using ::testing::ElementsAre;
using util::Json;

// Keeps what is published, synchronously; never delivers.
class CapturingBus final : public bus::Bus {
 public:
  void publish(const bus::Envelope& envelope) override { published.push_back(envelope); }
  void subscribe(Handler handler) override { handler_ = std::move(handler); }

  std::vector<bus::Envelope> published;

 private:
  Handler handler_;
};

constexpr model::Millis kAt = 1'700'000'123'456;

class BusPublisherTest : public ::testing::Test {
 protected:
  const bus::Envelope& only_envelope() {
    EXPECT_EQ(bus_.published.size(), 1U);
    if (bus_.published.empty()) bus_.published.emplace_back();
    return bus_.published.front();
  }

  static model::Message message() {
    model::Message message;
    message.id = 9'007'199'254'740'993;  // past 2^53: must stay a string
    message.conversation_id = 77;
    message.seq = 12;
    message.change_seq = 15;
    message.sender_id = 5;
    message.client_msg_id = "client-1";
    message.body = "hello \"there\"";
    message.reply_to = 41;
    message.created_at = kAt;
    return message;
  }

  static model::Member member() {
    model::Member member;
    member.conversation_id = 77;
    member.user_id = 6;
    member.role = model::MemberRole::member;
    member.delivered_seq = 10;
    member.read_seq = 8;
    return member;
  }

  static model::Conversation conversation() {
    model::Conversation conversation;
    conversation.id = 77;
    conversation.kind = model::ConversationKind::group;
    conversation.title = "team";
    conversation.created_by = 5;
    conversation.created_at = kAt;
    conversation.last_seq = 12;
    conversation.last_activity_at = kAt;
    for (const model::Id user : {5, 6, 7}) {
      model::Member member;
      member.conversation_id = 77;
      member.user_id = user;
      member.role = user == 5 ? model::MemberRole::owner : model::MemberRole::member;
      member.joined_at = kAt;
      conversation.members.push_back(member);
    }
    return conversation;
  }

  CapturingBus bus_;
  BusPublisher publisher_{bus_};
};

TEST_F(BusPublisherTest, MessageCreatedPublishesMessageNewToTheMembers) {
  publisher_.message_created(message(), {5, 6, 7}, "sock-origin");
  const bus::Envelope& envelope = only_envelope();
  EXPECT_THAT(envelope.user_ids, ElementsAre(5, 6, 7));
  EXPECT_EQ(envelope.event, "message:new");
  EXPECT_EQ(Json::parse(envelope.payload_json), wire::message_json(message()));
  EXPECT_EQ(Json::parse(envelope.payload_json)["id"], "9007199254740993");
  EXPECT_EQ(envelope.skip_connection, "sock-origin");
  EXPECT_EQ(envelope.conversation_id, 77);
  EXPECT_EQ(envelope.change_seq, 15);  // the feed position orders it, not the seq
  EXPECT_EQ(envelope.end_session_id, 0);
}

TEST_F(BusPublisherTest, MessageChangedPublishesItsFeedEventOrderedByChangeSeq) {
  model::Change change;
  change.conversation_id = 77;
  change.change_seq = 16;
  change.kind = model::ChangeKind::edited;
  change.actor_id = 5;
  change.at = kAt;
  change.message = message();
  publisher_.message_changed(change, {5, 6}, "sock-origin");
  auto envelope = only_envelope();
  EXPECT_EQ(envelope.event, "message:updated");
  EXPECT_EQ(Json::parse(envelope.payload_json), wire::change_json(change));
  EXPECT_EQ(envelope.skip_connection, "sock-origin");
  EXPECT_EQ(envelope.conversation_id, 77);
  EXPECT_EQ(envelope.change_seq, 16);

  change.kind = model::ChangeKind::deleted;
  publisher_.message_changed(change, {5, 6}, "");
  ASSERT_EQ(bus_.published.size(), 2U);
  EXPECT_EQ(bus_.published.back().event, "message:deleted");
}

TEST_F(BusPublisherTest, ReceiptsAreNotFeedEvents) {
  model::Member member;
  member.conversation_id = 77;
  member.user_id = 5;
  member.read_seq = 3;
  publisher_.cursor_moved(member, model::CursorKind::read, {5}, kAt);
  EXPECT_EQ(only_envelope().change_seq, 0);  // sent as it comes, never held for order
}

TEST_F(BusPublisherTest, MessageCreatedOverHttpSkipsNoConnection) {
  publisher_.message_created(message(), {5, 6}, "");
  EXPECT_EQ(only_envelope().skip_connection, "");
  EXPECT_EQ(only_envelope().event, "message:new");
}

TEST_F(BusPublisherTest, ReadCursorPublishesAReadReceiptWithTheReadSeq) {
  publisher_.cursor_moved(member(), model::CursorKind::read, {5, 6, 7}, kAt);
  const bus::Envelope& envelope = only_envelope();
  EXPECT_THAT(envelope.user_ids, ElementsAre(5, 6, 7));
  EXPECT_EQ(envelope.event, "receipt");
  EXPECT_EQ(
      Json::parse(envelope.payload_json),
      Json({{"conversationId", "77"}, {"userId", "6"}, {"type", "read"}, {"seq", 8}, {"at", wire::time_json(kAt)}}));
  EXPECT_EQ(envelope.conversation_id, 77);
  EXPECT_EQ(envelope.skip_connection, "");
  EXPECT_EQ(envelope.end_session_id, 0);
}

TEST_F(BusPublisherTest, DeliveredCursorPublishesADeliveredReceiptWithTheDeliveredSeq) {
  publisher_.cursor_moved(member(), model::CursorKind::delivered, {5, 6}, kAt);
  const bus::Envelope& envelope = only_envelope();
  EXPECT_EQ(envelope.event, "receipt");
  const Json payload = Json::parse(envelope.payload_json);
  EXPECT_EQ(payload["type"], "delivered");
  EXPECT_EQ(payload["seq"], 10);
  EXPECT_EQ(payload["userId"], "6");
  EXPECT_EQ(payload["at"], wire::time_json(kAt));
  EXPECT_TRUE(payload["at"].is_string());
}

TEST_F(BusPublisherTest, ConversationChangedGoesToTheMembersAndAlsoNotify) {
  publisher_.conversation_changed(conversation(), {9});
  const bus::Envelope& envelope = only_envelope();
  EXPECT_THAT(envelope.user_ids, ElementsAre(5, 6, 7, 9));
  EXPECT_EQ(envelope.event, "conversation:updated");
  EXPECT_EQ(Json::parse(envelope.payload_json), wire::conversation_json(conversation()));
  EXPECT_EQ(envelope.conversation_id, 77);
  EXPECT_EQ(envelope.end_session_id, 0);
}

TEST_F(BusPublisherTest, ConversationChangedWithNobodyElseGoesToTheMembersOnly) {
  publisher_.conversation_changed(conversation(), {});
  EXPECT_THAT(only_envelope().user_ids, ElementsAre(5, 6, 7));
}

TEST_F(BusPublisherTest, SessionEndedOrdersThatSessionClosed) {
  publisher_.session_ended(5, 4242);
  const bus::Envelope& envelope = only_envelope();
  EXPECT_THAT(envelope.user_ids, ElementsAre(5));
  EXPECT_EQ(envelope.end_session_id, 4242);
  EXPECT_EQ(envelope.conversation_id, 0);
}

TEST_F(BusPublisherTest, EachChangeIsPublishedOnceInCallOrder) {
  publisher_.message_created(message(), {5, 6}, "sock");
  publisher_.cursor_moved(member(), model::CursorKind::read, {5, 6}, kAt);
  publisher_.session_ended(6, 1);
  ASSERT_EQ(bus_.published.size(), 3U);
  EXPECT_EQ(bus_.published[0].event, "message:new");
  EXPECT_EQ(bus_.published[1].event, "receipt");
  EXPECT_EQ(bus_.published[2].end_session_id, 1);
}

}  // namespace
}  // namespace talkline::realtime
