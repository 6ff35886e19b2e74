#include "store/sqlite/upload_queries.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "store/message_keys.hpp"
#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"
#include "store/upload_rules.hpp"

namespace talkline::store::sqlite {

namespace {

std::string select_uploads(std::string_view where) {
  return std::string("SELECT ") + kUploadColumns + " FROM uploads u WHERE " + std::string(where);
}

}  // namespace

// The quota sum and the insert share the writer's transaction, so two uploads of one
// user cannot both pass a quota that only one fits in.
Result<model::Upload> insert_upload(Connection& db, const model::Upload& upload, model::Millis quota_since,
                                    std::uint64_t quota_bytes) {
  if (quota_bytes > 0) {
    TL_TRY_ASSIGN(std::uint64_t used, uploaded_bytes_since(db, upload.uploader_id, quota_since));
    if (used + upload.size > quota_bytes) return quota_exceeded(quota_bytes);
  }
  TL_TRY_ASSIGN(Statement insert,
                db.prepare("INSERT INTO uploads (id, uploader_id, size, content_type, sha256, blob_key, file_name,"
                           " created_at, thumbnail_key, thumbnail_size, thumbnail_width, thumbnail_height)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const ThumbnailColumns thumbnail = thumbnail_columns(upload);
  insert.bind_all(upload.id, upload.uploader_id, static_cast<std::int64_t>(upload.size), upload.content_type,
                  upload.sha256, upload.blob_key, upload.file_name, upload.created_at, thumbnail.key, thumbnail.size,
                  thumbnail.width, thumbnail.height);
  TL_TRY(insert.run());
  TL_TRY_ASSIGN(Statement usage,
                db.prepare("INSERT INTO upload_usage (user_id, hour_start, bytes) VALUES (?, ?, ?)"
                           " ON CONFLICT (user_id, hour_start) DO UPDATE SET bytes = bytes + excluded.bytes"));
  usage.bind_all(upload.uploader_id, usage_bucket_of(upload.created_at), static_cast<std::int64_t>(upload.size));
  TL_TRY(usage.run());
  model::Upload stored = upload;
  stored.conversation_id.reset();
  stored.message_seq.reset();
  return stored;
}

Result<model::Upload> find_upload(Connection& db, model::Id upload_id) {
  TL_TRY_ASSIGN(Statement query, db.prepare(select_uploads("u.id = ?")));
  query.bind_all(upload_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("upload not found");
  return read_upload(query);
}

Result<std::uint64_t> uploaded_bytes_since(Connection& db, model::Id uploader_id, model::Millis since) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT COALESCE(SUM(bytes), 0) FROM upload_usage"
                                            " WHERE user_id = ? AND hour_start > ?"));
  query.bind_all(uploader_id, since - kUsageBucketMs);
  TL_TRY(query.step());
  return static_cast<std::uint64_t>(query.int64(0));
}

Result<void> check_attachments(Connection& db, const model::NewMessage& message) {
  std::vector<model::Upload> found;
  for (model::Id id : message.attachment_ids) {
    auto upload = find_upload(db, id);
    if (upload.ok()) {
      found.push_back(std::move(upload).value());
    } else if (upload.error().code != ErrorCode::not_found) {
      return upload.take_error();
    }
  }
  return check_attachable(found, message);
}

Result<void> link_attachments(Connection& db, const model::NewMessage& message, model::Seq seq) {
  for (std::size_t i = 0; i < message.attachment_ids.size(); ++i) {
    TL_TRY_ASSIGN(Statement link, db.prepare("UPDATE uploads SET conversation_id = ?, message_seq = ?, position = ?"
                                             " WHERE id = ? AND conversation_id IS NULL"));
    link.bind_all(message.conversation_id, seq, static_cast<std::int64_t>(i), message.attachment_ids[i]);
    TL_TRY(link.run());
    if (db.changes() != 1) return Error::conflict("an upload is already attached to a message");
  }
  return ok_result();
}

Result<void> attach_attachments(Connection& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->attachments.clear();
  const MessagesByKey keyed(messages);
  for (const auto& [conversation_id, range] : keyed.ranges()) {
    TL_TRY_ASSIGN(Statement query,
                  db.prepare(select_uploads("u.conversation_id = ? AND u.message_seq BETWEEN ? AND ?"
                                            " ORDER BY u.message_seq, u.position")));
    query.bind_all(conversation_id, range.low, range.high);
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      const model::Upload upload = read_upload(query);
      for (auto* message : keyed.at(conversation_id, upload.message_seq.value_or(0))) message->attachments.push_back(model::attachment_of(upload));
    }
  }
  return ok_result();
}

// Deleting the rows queues their blobs (the trigger of migration 0005).
Result<int> sweep_uploads(Connection& db, model::Millis created_before, int limit) {
  TL_TRY_ASSIGN(Statement sweep,
                db.prepare("DELETE FROM uploads WHERE id IN (SELECT id FROM uploads"
                           " WHERE conversation_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)"));
  sweep.bind_all(created_before, std::int64_t{limit});
  TL_TRY(sweep.run());
  return static_cast<int>(db.changes());
}

Result<int> prune_upload_usage(Connection& db, model::Millis before, int limit) {
  TL_TRY_ASSIGN(Statement prune,
                db.prepare("DELETE FROM upload_usage WHERE (user_id, hour_start) IN (SELECT user_id, hour_start"
                           " FROM upload_usage"
                           " WHERE hour_start <= ? ORDER BY hour_start LIMIT ?)"));
  prune.bind_all(before - kUsageBucketMs, std::int64_t{limit});
  TL_TRY(prune.run());
  return static_cast<int>(db.changes());
}

Result<std::vector<std::string>> list_blob_releases(Connection& db, const std::string& after_key, int limit) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT blob_key FROM blob_releases WHERE blob_key > ? ORDER BY blob_key LIMIT ?"));
  query.bind_all(after_key, std::int64_t{limit});
  return query.first_column_texts();
}

Result<void> forget_blob_releases(Connection& db, const std::vector<std::string>& blob_keys) {
  for (const auto& key : blob_keys) {
    TL_TRY_ASSIGN(Statement forget, db.prepare("DELETE FROM blob_releases WHERE blob_key = ?"));
    forget.bind_all(key);
    TL_TRY(forget.run());
  }
  return ok_result();
}

}  // namespace talkline::store::sqlite
