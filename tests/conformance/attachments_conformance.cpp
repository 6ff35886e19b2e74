#include "store_conformance.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "store/upload_rules.hpp"

namespace talkline::conformance {

extern const int kAttachmentCases = 0;

namespace {

model::Upload upload_of(model::Id id, const model::User& uploader, std::uint64_t size, const std::string& type,
                        model::Millis at) {
  model::Upload upload;
  upload.id = id;
  upload.uploader_id = uploader.id;
  upload.size = size;
  upload.content_type = type;
  upload.sha256 = std::string(64, 'a');
  upload.blob_key = "u/" + std::to_string(id);
  upload.file_name = "file-" + std::to_string(id);
  upload.created_at = at;
  return upload;
}

std::vector<model::Id> attachment_ids(const model::Message& message) {
  std::vector<model::Id> ids;
  for (const auto& attachment : message.attachments) ids.push_back(attachment.id);
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

TEST_P(StoreConformance, AnUploadIsRecordedUnattachedWithItsThumbnail) {
  model::User alice = add_user("alice");
  model::Upload upload = upload_of(new_id(), alice, 1234, "image/png", tick());
  upload.thumbnail = model::Thumbnail{"t/" + std::to_string(upload.id), 321, 32, 16};
  must(store().upload_insert(upload, 0, 0));

  model::Upload found = must(store().upload_get(upload.id));
  EXPECT_EQ(found.uploader_id, alice.id);
  EXPECT_EQ(found.size, 1234u);
  EXPECT_EQ(found.content_type, "image/png");
  EXPECT_EQ(found.sha256, upload.sha256);
  EXPECT_EQ(found.blob_key, upload.blob_key);
  EXPECT_EQ(found.file_name, upload.file_name);
  EXPECT_EQ(found.created_at, upload.created_at);
  EXPECT_FALSE(found.conversation_id);
  ASSERT_TRUE(found.thumbnail);
  EXPECT_EQ(found.thumbnail->blob_key, "t/" + std::to_string(upload.id));
  EXPECT_EQ(found.thumbnail->size, 321u);
  EXPECT_EQ(found.thumbnail->width, 32);
  EXPECT_EQ(found.thumbnail->height, 16);
  EXPECT_EQ(outcome(store().upload_get(new_id())), "not_found");
}

TEST_P(StoreConformance, ASendAttachesUploadsInItsOrderAndEveryViewShowsThem) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Upload photo = upload_of(new_id(), alice, 10, "image/png", tick());
  model::Upload report = upload_of(new_id(), alice, 20, "application/pdf", tick());
  must(store().upload_insert(photo, 0, 0));
  must(store().upload_insert(report, 0, 0));

  model::NewMessage message = new_message(group, alice, "");
  message.attachment_ids = {report.id, photo.id};
  auto sent = must(store().message_insert(message));
  EXPECT_TRUE(sent.created);
  EXPECT_EQ(sent.message.body, "");
  EXPECT_EQ(attachment_ids(sent.message), (std::vector<model::Id>{report.id, photo.id}));
  EXPECT_EQ(sent.message.attachments.at(0).name, report.file_name);
  EXPECT_EQ(sent.message.attachments.at(0).size, 20u);
  EXPECT_EQ(sent.message.attachments.at(0).content_type, "application/pdf");
  EXPECT_EQ(model::message_kind_of(sent.message.attachments), model::MessageKind::file);

  model::Upload attached = must(store().upload_get(photo.id));
  EXPECT_EQ(attached.conversation_id, group.id);
  EXPECT_EQ(attached.message_seq, sent.message.seq);

  send(group, bob, "plain");
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(attachment_ids(history[0]), (std::vector<model::Id>{report.id, photo.id}));
  EXPECT_TRUE(history[1].attachments.empty());
  auto feed = must(store().change_list(group.id, 0, 10));
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(attachment_ids(feed[0].message), (std::vector<model::Id>{report.id, photo.id}));
}

TEST_P(StoreConformance, OnlyTheUploaderAttachesAnUploadAndNothingIsWrittenOtherwise) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Upload mine = upload_of(new_id(), alice, 10, "image/png", tick());
  model::Upload theirs = upload_of(new_id(), bob, 10, "image/png", tick());
  must(store().upload_insert(mine, 0, 0));
  must(store().upload_insert(theirs, 0, 0));

  model::NewMessage message = new_message(group, alice, "look");
  message.attachment_ids = {mine.id, theirs.id};
  auto refused = store().message_insert(message);
  EXPECT_EQ(outcome(refused), "invalid_argument");
  EXPECT_EQ(field_of(refused), "attachmentIds");
  message.attachment_ids = {mine.id, new_id()};
  EXPECT_EQ(outcome(store().message_insert(message)), "invalid_argument");

  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 0);
  EXPECT_FALSE(must(store().upload_get(mine.id)).conversation_id);
  EXPECT_FALSE(must(store().upload_get(theirs.id)).conversation_id);
}

TEST_P(StoreConformance, ABadReplyTargetIsReportedBeforeTheAttachmentsOnEveryBackend) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation other = add_group(bob, {});
  model::Message elsewhere = send(other, bob, "elsewhere");
  model::Upload theirs = upload_of(new_id(), bob, 10, "image/png", tick());
  must(store().upload_insert(theirs, 0, 0));

  // The store's order of checks: retry, membership, reply target, attachments.
  model::NewMessage message = new_message(group, alice, "look");
  message.reply_to = elsewhere.id;
  message.attachment_ids = {theirs.id};
  auto refused = store().message_insert(message);
  EXPECT_EQ(outcome(refused), "invalid_argument");
  EXPECT_EQ(field_of(refused), "replyTo");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 0);
}

TEST_P(StoreConformance, AnUploadIsAttachedToOneMessageOnly) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Upload upload = upload_of(new_id(), alice, 10, "image/png", tick());
  must(store().upload_insert(upload, 0, 0));
  model::NewMessage first = new_message(group, alice, "one");
  first.attachment_ids = {upload.id};
  must(store().message_insert(first));

  model::NewMessage second = new_message(group, alice, "two");
  second.attachment_ids = {upload.id};
  EXPECT_EQ(outcome(store().message_insert(second)), "conflict");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
}

TEST_P(StoreConformance, ARetryWithTheSameAttachmentsReturnsTheOriginalAndOtherAttachmentsConflict) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Upload one = upload_of(new_id(), alice, 10, "image/png", tick());
  model::Upload two = upload_of(new_id(), alice, 10, "image/png", tick());
  must(store().upload_insert(one, 0, 0));
  must(store().upload_insert(two, 0, 0));
  model::NewMessage message = new_message(group, alice, "hi");
  message.attachment_ids = {one.id};
  auto first = must(store().message_insert(message));

  model::NewMessage retry = message;
  retry.id = new_id();
  auto again = must(store().message_insert(retry));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.message.id, first.message.id);
  EXPECT_EQ(attachment_ids(again.message), (std::vector<model::Id>{one.id}));

  retry.attachment_ids = {two.id};
  EXPECT_EQ(outcome(store().message_insert(retry)), "conflict");
  retry.attachment_ids = {};
  EXPECT_EQ(outcome(store().message_insert(retry)), "conflict");
  EXPECT_FALSE(must(store().upload_get(two.id)).conversation_id);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
}

TEST_P(StoreConformance, ANonMemberAttachesNothing) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User eve = add_user("eve");
  model::Conversation direct = add_direct(alice, bob);
  model::Upload upload = upload_of(new_id(), eve, 10, "image/png", tick());
  must(store().upload_insert(upload, 0, 0));
  model::NewMessage message = new_message(direct, eve, "hi");
  message.attachment_ids = {upload.id};
  EXPECT_EQ(outcome(store().message_insert(message)), "not_found");
  EXPECT_FALSE(must(store().upload_get(upload.id)).conversation_id);
}

TEST_P(StoreConformance, TheDailyQuotaCountsTheUploadersRecentUploadsInTheWrite) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  const model::Millis hour = store::kUsageBucketMs;
  const model::Millis early = store::usage_bucket_of(tick()) + 2 * hour;
  must(store().upload_insert(upload_of(new_id(), alice, 500, "text/plain", early + 10), 0, 0));
  const model::Millis day_start = early + hour;
  must(store().upload_insert(upload_of(new_id(), alice, 300, "text/plain", day_start + 5), day_start, 1000));
  must(store().upload_insert(upload_of(new_id(), bob, 900, "text/plain", day_start + 6), day_start, 1000));
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, day_start)), 300u);
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, 0)), 800u);
  // Usage is kept by the hour: the whole hour that holds the window's start counts.
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, day_start - 1)), 800u);

  model::Upload too_much = upload_of(new_id(), alice, 701, "text/plain", day_start + 7);
  EXPECT_EQ(outcome(store().upload_insert(too_much, day_start, 1000)), "payload_too_large");
  EXPECT_EQ(outcome(store().upload_get(too_much.id)), "not_found");
  must(store().upload_insert(upload_of(new_id(), alice, 700, "text/plain", day_start + 8), day_start, 1000));
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, day_start)), 1000u);
}

TEST_P(StoreConformance, TheDailyQuotaKeepsCountingUploadsThatWereDeletedOrSwept) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation direct = add_direct(alice, bob);
  const model::Millis since = tick();
  model::Upload photo = upload_of(new_id(), alice, 400, "image/png", tick());
  must(store().upload_insert(photo, since, 1000));
  model::NewMessage message = new_message(direct, alice, "see");
  message.attachment_ids = {photo.id};
  auto sent = must(store().message_insert(message));
  must(store().message_change(change_of(model::ChangeKind::deleted, sent.message, alice, tick())));
  EXPECT_EQ(outcome(store().upload_get(photo.id)), "not_found");

  model::Upload loose = upload_of(new_id(), alice, 400, "text/plain", tick());
  must(store().upload_insert(loose, since, 1000));
  EXPECT_EQ(must(store().upload_sweep(tick(), 10)), 1);
  EXPECT_EQ(outcome(store().upload_get(loose.id)), "not_found");

  EXPECT_EQ(must(store().upload_bytes_since(alice.id, since)), 800u);
  model::Upload again = upload_of(new_id(), alice, 201, "text/plain", tick());
  EXPECT_EQ(outcome(store().upload_insert(again, since, 1000)), "payload_too_large");
  EXPECT_EQ(outcome(store().upload_get(again.id)), "not_found");
  must(store().upload_insert(upload_of(new_id(), alice, 200, "text/plain", tick()), since, 1000));
}

TEST_P(StoreConformance, UsageOfHoursPastIsForgottenInBatches) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  const model::Millis hour = store::kUsageBucketMs;
  const model::Millis base = store::usage_bucket_of(tick()) + hour;
  for (int i = 0; i < 3; ++i) {
    must(store().upload_insert(upload_of(new_id(), alice, 100, "text/plain", base + i * hour + 1), 0, 0));
  }
  must(store().upload_insert(upload_of(new_id(), bob, 50, "text/plain", base + 2), 0, 0));

  const model::Millis before = base + 2 * hour;
  EXPECT_EQ(must(store().upload_usage_prune(before, 1)), 1);
  EXPECT_EQ(must(store().upload_usage_prune(before, 10)), 2);
  EXPECT_EQ(must(store().upload_usage_prune(before, 10)), 0);
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, 0)), 100u);
  EXPECT_EQ(must(store().upload_bytes_since(bob.id, 0)), 0u);
  EXPECT_EQ(must(store().upload_bytes_since(alice.id, before)), 100u);
}

TEST_P(StoreConformance, BlobsToFreeArePagedInKeyOrderAfterTheGivenKey) {
  model::User alice = add_user("alice");
  std::vector<std::string> keys;
  for (int i = 0; i < 3; ++i) {
    model::Upload upload = upload_of(new_id(), alice, 10, "text/plain", tick());
    must(store().upload_insert(upload, 0, 0));
    keys.push_back(upload.blob_key);
  }
  EXPECT_EQ(must(store().upload_sweep(tick(), 10)), 3);
  keys = sorted(keys);

  EXPECT_EQ(must(store().blob_release_list("", 2)), (std::vector<std::string>{keys[0], keys[1]}));
  EXPECT_EQ(must(store().blob_release_list(keys[1], 2)), (std::vector<std::string>{keys[2]}));
  EXPECT_TRUE(must(store().blob_release_list(keys[2], 2)).empty());
}

TEST_P(StoreConformance, TheSweepRemovesOldUnattachedUploadsAndQueuesTheirBlobs) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation direct = add_direct(alice, bob);
  model::Upload old_loose = upload_of(new_id(), alice, 10, "image/png", tick());
  old_loose.thumbnail = model::Thumbnail{"t/" + std::to_string(old_loose.id), 5, 4, 4};
  model::Upload old_attached = upload_of(new_id(), alice, 10, "image/png", tick());
  model::Upload other_old = upload_of(new_id(), bob, 10, "image/png", tick());
  for (const auto& upload : {old_loose, old_attached, other_old}) must(store().upload_insert(upload, 0, 0));
  model::NewMessage message = new_message(direct, alice, "");
  message.attachment_ids = {old_attached.id};
  must(store().message_insert(message));
  const model::Millis cutoff = tick();
  model::Upload recent = upload_of(new_id(), alice, 10, "image/png", tick());
  must(store().upload_insert(recent, 0, 0));
  EXPECT_TRUE(must(store().blob_release_list("", 10)).empty());

  EXPECT_EQ(must(store().upload_sweep(cutoff, 1)), 1);
  EXPECT_EQ(must(store().upload_sweep(cutoff, 10)), 1);
  EXPECT_EQ(must(store().upload_sweep(cutoff, 10)), 0);
  EXPECT_EQ(outcome(store().upload_get(old_loose.id)), "not_found");
  EXPECT_EQ(outcome(store().upload_get(other_old.id)), "not_found");
  must(store().upload_get(old_attached.id));
  must(store().upload_get(recent.id));

  auto released = must(store().blob_release_list("", 10));
  EXPECT_EQ(sorted(released), sorted({old_loose.blob_key, old_loose.thumbnail->blob_key, other_old.blob_key}));
  EXPECT_EQ(must(store().blob_release_list("", 2)).size(), 2u);
  must(store().blob_release_done({old_loose.blob_key, other_old.blob_key}));
  EXPECT_EQ(must(store().blob_release_list("", 10)), (std::vector<std::string>{old_loose.thumbnail->blob_key}));
  must(store().blob_release_done({old_loose.thumbnail->blob_key, "u/never-queued"}));
  EXPECT_TRUE(must(store().blob_release_list("", 10)).empty());
}

TEST_P(StoreConformance, DeletingAMessageRemovesItsUploadsAndQueuesTheirBlobsInTheSameCommit) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Upload photo = upload_of(new_id(), alice, 10, "image/jpeg", tick());
  photo.thumbnail = model::Thumbnail{"t/" + std::to_string(photo.id), 5, 4, 4};
  must(store().upload_insert(photo, 0, 0));
  model::NewMessage message = new_message(group, alice, "see");
  message.attachment_ids = {photo.id};
  auto sent = must(store().message_insert(message));
  EXPECT_EQ(model::message_kind_of(sent.message.attachments), model::MessageKind::media);

  auto deleted = must(store().message_change(change_of(model::ChangeKind::deleted, sent.message, alice, tick())));
  EXPECT_TRUE(deleted.change.message.attachments.empty());
  EXPECT_EQ(outcome(store().upload_get(photo.id)), "not_found");
  EXPECT_EQ(sorted(must(store().blob_release_list("", 10))), sorted({photo.blob_key, photo.thumbnail->blob_key}));
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].attachments.empty());

  // A retry of the send still answers with the tombstone.
  model::NewMessage retry = message;
  retry.id = new_id();
  auto again = must(store().message_insert(retry));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.message.deleted_at);
}

}  // namespace talkline::conformance
