#pragma once

#include <string>

#include "model/message.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// The message object of the public contract (docs/protocol.md, "JSON shapes"): camelCase,
/// ids as strings, times as RFC 3339. The REST answers, the socket events and acks and the
/// event log all carry it, so a message looks the same everywhere.
util::Json message_json(const model::Message& message);
/// dump_json(message_json(message)), byte for byte, written straight into a string: every
/// message sent is serialised on the hot path, and the tree costs a dozen allocations.
std::string message_wire(const model::Message& message);
/// An attachment of a message: `{id, name, size, contentType, sha256, url, thumbnail}`,
/// `thumbnail` being `{url, contentType, size, width, height}` or null.
util::Json attachment_json(const model::Attachment& attachment);
/// A change feed entry (protocol.md, "JSON shapes"): `type` is created, edited, deleted,
/// reacted, unreacted, pinned or unpinned, `emoji` that of a reaction (null otherwise),
/// `reason` "expired" with `actorId` null for a deletion by the retention sweep (null
/// otherwise), and `message` the message as it is now.
util::Json change_json(const model::Change& change);
/// A pinned message: `{message, pinnedBy, pinnedAt}`.
util::Json pin_json(const model::Pin& pin);

}  // namespace talkline::wire
