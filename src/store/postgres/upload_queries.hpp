#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/attachment.hpp"
#include "model/message.hpp"
#include "store/postgres/executor.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

// Uploads (migration 0005): recording them, attaching them in a send, the attachments of
// message views, the sweep and the blobs waiting to be freed. See Store's "uploads".

/// Runs inside a transaction: it locks the uploader's row, so the quota holds across nodes.
Result<model::Upload> insert_upload(Executor& db, const model::Upload& upload, model::Millis quota_since,
                                    std::uint64_t quota_bytes);
Result<model::Upload> find_upload(Executor& db, model::Id upload_id);
Result<std::uint64_t> uploaded_bytes_since(Executor& db, model::Id uploader_id, model::Millis since);
/// A send that attaches uploads, inside one transaction: the conversation's lock, then
/// the uploads' row locks (so two sends cannot both attach one, whatever node they run
/// on), a retry check, membership, the attachments, tl_message_append and the links.
/// A new message carries the members the transaction saw.
Result<model::SendOutcome> insert_message_with_attachments(Executor& db, const model::NewMessage& message);
/// Fills each message's `attachments`, in the sender's order; one statement for all.
Result<void> attach_attachments(Executor& db, const std::vector<model::Message*>& messages);
Result<int> sweep_uploads(Executor& db, model::Millis created_before, int limit);
Result<int> prune_upload_usage(Executor& db, model::Millis before, int limit);
Result<std::vector<std::string>> list_blob_releases(Executor& db, const std::string& after_key, int limit);
Result<void> forget_blob_releases(Executor& db, const std::vector<std::string>& blob_keys);

}  // namespace talkline::store::postgres
