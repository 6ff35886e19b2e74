#include "store/postgres/upload_queries.hpp"

#include <map>
#include <string_view>
#include <utility>

#include "store/message_keys.hpp"
#include "store/postgres/array_literal.hpp"
#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/message_queries.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/rows.hpp"
#include "store/row_mappers.hpp"
#include "store/upload_rules.hpp"

namespace talkline::store::postgres {

namespace {

std::string select_uploads(std::string_view rest) {
  return std::string("SELECT ") + kUploadColumns + " FROM uploads u " + std::string(rest);
}

std::vector<model::Upload> all_uploads(const Rows& rows) {
  std::vector<model::Upload> uploads;
  for (int row = 0; row < rows.size(); ++row) uploads.push_back(read_upload(rows.at(row)));
  return uploads;
}

}  // namespace

Result<model::Upload> insert_upload(Executor& db, const model::Upload& upload, model::Millis quota_since,
                                    std::uint64_t quota_bytes) {
  if (quota_bytes > 0) {
    // NO KEY UPDATE still serialises one uploader's uploads, but not against the KEY SHARE
    // locks that foreign-key checks take on the user row: a send of this user waits for no
    // upload, nor an upload for a send's group commit.
    TL_TRY(db.query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE", Params::of(upload.uploader_id)));
    TL_TRY_ASSIGN(std::uint64_t used, uploaded_bytes_since(db, upload.uploader_id, quota_since));
    if (used + upload.size > quota_bytes) return quota_exceeded(quota_bytes);
  }
  const ThumbnailColumns thumbnail = thumbnail_columns(upload);
  TL_TRY(db.query("INSERT INTO uploads (id, uploader_id, size, content_type, sha256, blob_key, file_name, created_at,"
                  " thumbnail_key, thumbnail_size, thumbnail_width, thumbnail_height)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                  Params::of(upload.id, upload.uploader_id, static_cast<std::int64_t>(upload.size),
                             upload.content_type, upload.sha256, upload.blob_key, upload.file_name, upload.created_at,
                             thumbnail.key, thumbnail.size, thumbnail.width, thumbnail.height)));
  TL_TRY(db.query(
      "INSERT INTO upload_usage (user_id, hour_start, bytes) VALUES ($1, $2, $3)"
      " ON CONFLICT (user_id, hour_start) DO UPDATE SET bytes = upload_usage.bytes + EXCLUDED.bytes",
      Params::of(upload.uploader_id, usage_bucket_of(upload.created_at), static_cast<std::int64_t>(upload.size))));
  model::Upload stored = upload;
  stored.conversation_id.reset();
  stored.message_seq.reset();
  return stored;
}

Result<model::Upload> find_upload(Executor& db, model::Id upload_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(select_uploads("WHERE u.id = $1"), Params::of(upload_id)));
  if (rows.empty()) return Error::not_found("upload not found");
  return read_upload(rows.at(0));
}

Result<std::uint64_t> uploaded_bytes_since(Executor& db, model::Id uploader_id, model::Millis since) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT COALESCE(SUM(bytes), 0)::BIGINT FROM upload_usage"
                                    " WHERE user_id = $1 AND hour_start > $2",
                                    Params::of(uploader_id, since - kUsageBucketMs)));
  return static_cast<std::uint64_t>(rows.int64(0, 0));
}

// Locks are taken in the order every writer takes them: the conversation (as
// tl_message_append does), then the uploads by id. A retry of this very send that
// committed meanwhile is seen after the locks, since each statement reads what has
// committed before it (READ COMMITTED). The checks go in the order of
// Store::message_insert: retry, membership, reply target, attachments.
Result<model::SendOutcome> insert_message_with_attachments(Executor& db, const model::NewMessage& message) {
  const std::vector<std::int64_t> ids(message.attachment_ids.begin(), message.attachment_ids.end());
  TL_TRY(db.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", Params::of(message.conversation_id)));
  TL_TRY_ASSIGN(Rows locked,
                db.query(select_uploads("WHERE u.id = ANY($1::bigint[]) ORDER BY u.id FOR UPDATE"), Params::of(ids)));
  TL_TRY_ASSIGN(Rows earlier, db.query("SELECT 1 FROM messages WHERE sender_id = $1 AND client_msg_id = $2",
                                       Params::of(message.sender_id, message.client_msg_id)));
  if (earlier.empty()) {
    TL_TRY_ASSIGN(Rows member, db.query("SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2",
                                        Params::of(message.conversation_id, message.sender_id)));
    if (member.empty()) return Error::not_found("conversation not found");
    // tl_message_append checks the target too, but only after the uploads would have
    // been: the stores report a bad target first (Store::message_insert).
    if (message.reply_to) {
      TL_TRY_ASSIGN(Rows target, db.query("SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2",
                                          Params::of(*message.reply_to, message.conversation_id)));
      if (target.empty()) return Error::invalid("replyTo", "is not a message of this conversation");
    }
    TL_TRY(check_attachable(all_uploads(locked), message));
  }
  TL_TRY_ASSIGN(model::SendOutcome outcome, insert_message(db, message));
  if (!outcome.created) return outcome;
  TL_TRY(db.query("UPDATE uploads u SET conversation_id = $1, message_seq = $2, position = a.ord - 1"
                  " FROM unnest($3::bigint[]) WITH ORDINALITY AS a (id, ord) WHERE u.id = a.id",
                  Params::of(message.conversation_id, outcome.message.seq, ids)));
  TL_TRY(attach_attachments(db, std::vector<model::Message*>{&outcome.message}));
  TL_TRY_ASSIGN(Rows members, db.query(kMemberUserIdsSql, Params::of(message.conversation_id)));
  for (int row = 0; row < members.size(); ++row) outcome.member_ids.push_back(members.int64(row, 0));
  return outcome;
}

Result<void> attach_attachments(Executor& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->attachments.clear();
  const MessagesByKey keyed(messages);
  if (keyed.empty()) return ok_result();
  TL_TRY_ASSIGN(Rows rows, db.query(select_uploads("JOIN unnest($1::bigint[], $2::bigint[]) AS wanted (conversation_id, seq)"
                                                   " ON u.conversation_id = wanted.conversation_id"
                                                   " AND u.message_seq = wanted.seq"
                                                   " ORDER BY u.conversation_id, u.message_seq, u.position"),
                                    Params::of(keyed.conversation_ids(), keyed.seqs())));
  for (int row = 0; row < rows.size(); ++row) {
    const model::Upload upload = read_upload(rows.at(row));
    for (auto* message : keyed.at(*upload.conversation_id, *upload.message_seq)) {
      message->attachments.push_back(model::attachment_of(upload));
    }
  }
  return ok_result();
}

// Deleting the rows queues their blobs (the trigger of migration 0005). SKIP LOCKED
// leaves an upload a send is attaching right now to that send.
Result<int> sweep_uploads(Executor& db, model::Millis created_before, int limit) {
  TL_TRY_ASSIGN(Rows rows, db.query("DELETE FROM uploads WHERE id IN (SELECT id FROM uploads"
                                    " WHERE conversation_id IS NULL AND created_at < $1"
                                    " ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
                                    " AND conversation_id IS NULL RETURNING id",
                                    Params::of(created_before, limit)));
  return rows.size();
}

Result<int> prune_upload_usage(Executor& db, model::Millis before, int limit) {
  TL_TRY_ASSIGN(Rows rows,
                db.query("DELETE FROM upload_usage WHERE (user_id, hour_start) IN (SELECT user_id, hour_start"
                         " FROM upload_usage WHERE hour_start <= $1 ORDER BY hour_start LIMIT $2)"
                         " RETURNING user_id",
                         Params::of(before - kUsageBucketMs, limit)));
  return rows.size();
}

Result<std::vector<std::string>> list_blob_releases(Executor& db, const std::string& after_key, int limit) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT blob_key FROM blob_releases WHERE blob_key > $1 ORDER BY blob_key LIMIT $2",
                                    Params::of(after_key, limit)));
  std::vector<std::string> keys;
  for (int row = 0; row < rows.size(); ++row) keys.push_back(rows.text(row, 0));
  return keys;
}

Result<void> forget_blob_releases(Executor& db, const std::vector<std::string>& blob_keys) {
  if (blob_keys.empty()) return ok_result();
  const std::vector<std::string_view> keys(blob_keys.begin(), blob_keys.end());
  TL_TRY(db.query("DELETE FROM blob_releases WHERE blob_key = ANY($1::text[])", Params::of(text_array_literal(keys))));
  return ok_result();
}

}  // namespace talkline::store::postgres
