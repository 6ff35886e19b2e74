#include <gtest/gtest.h>

#include <string>

#include "util/json.hpp"
#include "wire/message_json.hpp"

namespace talkline::wire {
namespace {

model::Message sample(std::string body) {
  model::Message message;
  message.id = 7'300'000'000'123;
  message.conversation_id = 42;
  message.seq = 17;
  message.sender_id = 9'000'000'000'000'000'001;
  message.client_msg_id = "c-1";
  message.body = std::move(body);
  message.created_at = 1'767'225'600'123;
  return message;
}

// The hand-written form must be the very bytes the Json tree dumps, or clients would see
// two shapes of one message (ack and message:new against history and sync).
void expect_same_bytes(const model::Message& message) {
  EXPECT_EQ(message_wire(message), util::dump_json(message_json(message)));
}

TEST(MessageWire, PlainMessageMatchesTheJsonTree) { expect_same_bytes(sample("hello")); }

TEST(MessageWire, EscapesMatchTheJsonTree) {
  expect_same_bytes(sample("quote \" backslash \\ slash / tab \t newline \n return \r"));
  expect_same_bytes(sample("controls \x01\x1f\b\f and DEL \x7f"));
  expect_same_bytes(sample("emoji 😀 and accents àé and CJK 漢字"));
  expect_same_bytes(sample(""));
}

TEST(MessageWire, MentionsAndReplyPreviewMatchTheJsonTree) {
  model::Message message = sample("@ann see above");
  message.mentions = {5, 9'000'000'000'000'000'002};
  message.reply_to = 7'300'000'000'100;
  message.reply_preview = model::ReplyPreview{7'300'000'000'100, 3, 5, "the \"question\" 😀", true, false};
  expect_same_bytes(message);
  auto parsed = util::Json::parse(message_wire(message));
  EXPECT_EQ(parsed["mentions"][1], "9000000000000000002");
  EXPECT_EQ(parsed["replyPreview"]["id"], "7300000000100");
  EXPECT_EQ(parsed["replyPreview"]["senderId"], "5");
  EXPECT_EQ(parsed["replyPreview"]["truncated"], true);

  message.reply_preview = model::ReplyPreview{7'300'000'000'100, 3, 5, "", false, true};
  expect_same_bytes(message);
  EXPECT_TRUE(util::Json::parse(message_wire(message))["replyPreview"]["body"].is_null());
  // A target whose row is gone has neither seq nor sender.
  message.reply_preview = model::ReplyPreview{7'300'000'000'100, 0, 0, "", false, true};
  expect_same_bytes(message);
  EXPECT_TRUE(util::Json::parse(message_wire(message))["replyPreview"]["seq"].is_null());
}

TEST(MessageWire, AMessageWithoutReplyOrMentionsHasEmptyOnes) {
  auto parsed = util::Json::parse(message_wire(sample("x")));
  EXPECT_EQ(parsed["mentions"], util::Json::array());
  EXPECT_TRUE(parsed["replyPreview"].is_null());
}

TEST(MessageWire, InvalidUtf8IsReplacedAsTheJsonTreeDoes) { expect_same_bytes(sample("bad \xff\xfe byte")); }

TEST(MessageWire, OptionalFieldsMatchTheJsonTree) {
  auto message = sample("reply");
  message.reply_to = 7'300'000'000'100;
  message.edited_at = 1'767'225'700'000;
  message.client_msg_id = "id with \"quotes\"";
  expect_same_bytes(message);
}

TEST(MessageWire, FeedFieldsMatchTheJsonTree) {
  auto message = sample("");
  message.change_seq = 23;
  message.deleted_at = 1'767'225'800'000;
  expect_same_bytes(message);
  auto parsed = util::Json::parse(message_wire(message));
  EXPECT_EQ(parsed["changeSeq"], 23);
  EXPECT_EQ(parsed["deletedAt"], "2026-01-01T00:03:20.000Z");
  EXPECT_TRUE(util::Json::parse(message_wire(sample("x")))["deletedAt"].is_null());
}

TEST(MessageWire, ReactionsMatchTheJsonTree) {
  auto message = sample("liked");
  EXPECT_EQ(util::Json::parse(message_wire(message))["reactions"], util::Json::array());
  message.reactions = {{"\xF0\x9F\x91\x8D", 3, std::nullopt}, {"\"quoted\"", 1, std::nullopt}};
  expect_same_bytes(message);
  message.reactions[0].me = true;
  message.reactions[1].me = false;
  expect_same_bytes(message);
  auto parsed = util::Json::parse(message_wire(message));
  EXPECT_EQ(parsed["reactions"][0]["emoji"], "\xF0\x9F\x91\x8D");
  EXPECT_EQ(parsed["reactions"][0]["count"], 3);
  EXPECT_EQ(parsed["reactions"][0]["me"], true);
  EXPECT_EQ(parsed["reactions"][1]["me"], false);
}

TEST(MessageWire, AttachmentsAndKindMatchTheJsonTree) {
  auto message = sample("");
  EXPECT_EQ(util::Json::parse(message_wire(message))["kind"], "text");
  EXPECT_EQ(util::Json::parse(message_wire(message))["attachments"], util::Json::array());
  message.attachments.push_back({7'300'000'000'200, "cat \"1\".png", 2048, "image/png", std::string(64, 'f'),
                                 model::Thumbnail{"t/1", 300, 320, 200}});
  expect_same_bytes(message);
  auto parsed = util::Json::parse(message_wire(message));
  EXPECT_EQ(parsed["kind"], "media");
  EXPECT_EQ(parsed["attachments"][0]["id"], "7300000000200");
  EXPECT_EQ(parsed["attachments"][0]["url"], "/api/v1/attachments/7300000000200");
  EXPECT_EQ(parsed["attachments"][0]["thumbnail"]["width"], 320);
  EXPECT_FALSE(parsed["attachments"][0]["thumbnail"].contains("blobKey"));
  message.attachments.push_back({7'300'000'000'201, "notes.pdf", 10, "application/pdf", std::string(64, 'e'), {}});
  expect_same_bytes(message);
  parsed = util::Json::parse(message_wire(message));
  EXPECT_EQ(parsed["kind"], "file");
  EXPECT_TRUE(parsed["attachments"][1]["thumbnail"].is_null());
}

// Every view at once, each in the forms it takes, so no pairing of them can drift.
TEST(MessageWire, EveryCombinationOfViewsMatchesTheJsonTree) {
  const model::Attachment photo{7'300'000'000'200, "cat\x01 \xff.png",   2048,
                                "image/png",       std::string(64, 'f'), model::Thumbnail{"t/1", 300, 320, 200}};
  const model::Attachment file{7'300'000'000'201, "notes.pdf", 10, "application/pdf", std::string(64, 'e'), {}};
  const model::ReplyPreview preview{7'300'000'000'100, 3, 5, "the \"question\" \xff", true, false};
  const model::ReplyPreview gone{7'300'000'000'100, 0, 0, "", false, true};
  for (int mask = 0; mask < 32; ++mask) {
    auto message = sample(mask & 1 ? "@ann see" : "");
    if (mask & 1) message.attachments = {photo, file};
    if (mask & 2) message.mentions = {5, 9'000'000'000'000'000'002};
    if (mask & 4) {
      message.reply_to = preview.id;
      message.reply_preview = mask & 16 ? gone : preview;
    }
    if (mask & 8) message.reactions = {{"\xF0\x9F\x91\x8D", 3, true}, {"x", 1, false}};
    if (mask & 16) {
      message.change_seq = 23;
      message.edited_at = 1'767'225'700'000;
    }
    SCOPED_TRACE(mask);
    expect_same_bytes(message);
  }
}

TEST(ChangeJson, CarriesTheChangeAndTheMessageAsItIsNow) {
  model::Change change;
  change.conversation_id = 42;
  change.change_seq = 30;
  change.kind = model::ChangeKind::edited;
  change.actor_id = 9'000'000'000'000'000'001;
  change.at = 1'767'225'600'123;
  change.message = sample("fixed typo");
  change.message.edited_at = change.at;
  const auto json = change_json(change);
  EXPECT_EQ(json["conversationId"], "42");
  EXPECT_EQ(json["changeSeq"], 30);
  EXPECT_EQ(json["type"], "edited");
  EXPECT_EQ(json["actorId"], "9000000000000000001");
  EXPECT_EQ(json["at"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(json["message"], message_json(change.message));
  EXPECT_TRUE(json["emoji"].is_null());
  change.kind = model::ChangeKind::deleted;
  EXPECT_EQ(change_json(change)["type"], "deleted");
  change.kind = model::ChangeKind::reacted;
  change.emoji = "\xF0\x9F\x8E\x89";
  EXPECT_EQ(change_json(change)["type"], "reacted");
  EXPECT_EQ(change_json(change)["emoji"], "\xF0\x9F\x8E\x89");
  change.kind = model::ChangeKind::unreacted;
  EXPECT_EQ(change_json(change)["type"], "unreacted");
}

TEST(MessageWire, IsValidJsonWithIdsAsStrings) {
  auto parsed = util::Json::parse(message_wire(sample("x")));
  EXPECT_EQ(parsed["id"], "7300000000123");
  EXPECT_EQ(parsed["senderId"], "9000000000000000001");
  EXPECT_EQ(parsed["seq"], 17);
  EXPECT_TRUE(parsed["replyTo"].is_null());
}

}  // namespace
}  // namespace talkline::wire
