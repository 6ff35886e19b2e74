#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/attachment.hpp"
#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// Uploads (migration 0005): recording them, attaching them in a send, the attachments of
// message views, the sweep and the blobs waiting to be freed. See Store's "uploads".

Result<model::Upload> insert_upload(Connection& db, const model::Upload& upload, model::Millis quota_since,
                                    std::uint64_t quota_bytes);
Result<model::Upload> find_upload(Connection& db, model::Id upload_id);
Result<std::uint64_t> uploaded_bytes_since(Connection& db, model::Id uploader_id, model::Millis since);
/// The uploads a send names, checked (store/upload_rules.hpp) before its seq is taken.
Result<void> check_attachments(Connection& db, const model::NewMessage& message);
/// Attaches the send's uploads to its message at `seq`, in their order.
Result<void> link_attachments(Connection& db, const model::NewMessage& message, model::Seq seq);
/// Fills each message's `attachments`, in the sender's order: one range read per
/// conversation among `messages`.
Result<void> attach_attachments(Connection& db, const std::vector<model::Message*>& messages);
Result<int> sweep_uploads(Connection& db, model::Millis created_before, int limit);
Result<int> prune_upload_usage(Connection& db, model::Millis before, int limit);
Result<std::vector<std::string>> list_blob_releases(Connection& db, const std::string& after_key, int limit);
Result<void> forget_blob_releases(Connection& db, const std::vector<std::string>& blob_keys);

}  // namespace talkline::store::sqlite
