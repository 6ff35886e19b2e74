#include <gtest/gtest.h>

#include "message_scan.hpp"

namespace talkline::bench {
namespace {

TEST(MessageScan, ReadsTalkLineFieldOrder) {
  // TalkLine writes object keys in sorted order.
  const auto view = scan_message_new(
      R"(2["message:new",{"body":"t123 w0 xx","clientMsgId":"c1","conversationId":"42","createdAt":"2026-01-01T00:00:00Z","id":"7","seq":19,"senderId":"3"}])");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->conversation_id, "42");
  EXPECT_EQ(view->seq, 19);
  EXPECT_EQ(view->body, "t123 w0 xx");
}

TEST(MessageScan, ReadsInsertionOrder) {
  // The Node.js peer writes keys in insertion order.
  const auto view = scan_message_new(
      R"(2["message:new",{"id":"7","conversationId":"9001","seq":3,"senderId":"3","clientMsgId":"c","body":"t1 w2 ","replyTo":null}])");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->conversation_id, "9001");
  EXPECT_EQ(view->seq, 3);
  EXPECT_EQ(view->body, "t1 w2 ");
}

TEST(MessageScan, RefusesOtherEventsAndAcks) {
  EXPECT_FALSE(scan_message_new(R"(2["typing",{"conversationId":"1","seq":1,"body":"x"}])"));
  EXPECT_FALSE(scan_message_new(R"(31[{"ok":true}])"));
  EXPECT_FALSE(scan_message_new(R"(2/chat,["message:new",{"conversationId":"1","seq":1,"body":"x"}])"));
  EXPECT_FALSE(scan_message_new(""));
}

TEST(MessageScan, LeavesEscapesToTheDecoder) {
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"a\"b","conversationId":"1","seq":1}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"ok","conversationId":"1\u0032","seq":1}])"));
}

TEST(MessageScan, RefusesMissingOrBadFields) {
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"x","seq":1}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"conversationId":"1","seq":1}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"x","conversationId":"1","seq":"1"}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"x","conversationId":"1","seq":0}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"x","conversationId":"1","seq":-4}])"));
  EXPECT_FALSE(scan_message_new(R"(2["message:new",{"body":"x","conversationId":"1","seq":5})"));
}

}  // namespace
}  // namespace talkline::bench
