#pragma once

#include <optional>
#include <string>

#include "model/message.hpp"
#include "util/crypto.hpp"

// A change's idempotency key (actor_id, client_change_id) stands for one request: this
// message, this kind and, for an edit, this new body, for a reaction, this emoji. They
// are kept as a SHA-256 only, so a later delete of the message erases every copy of the
// text.

namespace talkline::store {

/// What the stores keep of an edit's body or a reaction's emoji to recognise its retry;
/// nullopt for a delete.
inline std::optional<std::string> change_body_digest(const model::MessageChange& change) {
  if (change.kind == model::ChangeKind::edited) return util::sha256_hex(change.body);
  if (model::is_reaction(change.kind)) return util::sha256_hex(change.emoji);
  return std::nullopt;
}

/// Whether `change` repeats the recorded change its key was first used for; the recorded
/// digest is read as COALESCE(body_digest, '').
inline bool repeats_recorded_change(model::Id recorded_message_id, model::ChangeKind recorded_kind,
                                    const std::string& recorded_body_digest, const model::MessageChange& change) {
  return recorded_message_id == change.message_id && recorded_kind == change.kind &&
         recorded_body_digest == change_body_digest(change).value_or("");
}

}  // namespace talkline::store
