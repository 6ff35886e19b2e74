#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/message.hpp"
#include "transport/engineio/codec/packet.hpp"

namespace talkline::realtime {

// The server events of the change feed: a new message goes out as `message:new` with the
// message, an edit as `message:updated` and a delete as `message:deleted` with the change
// (protocol.md). Live announcements, catch-up, gap fills and `sync` all build them here,
// so an entry looks the same whichever way it reaches a client. Pure; any thread.

std::string_view feed_event_name(model::ChangeKind kind);
/// The event's one JSON argument, serialised.
std::string feed_event_payload(const model::Change& change);
std::vector<transport::engineio::Packet> feed_event_packets(const model::Change& change);

}  // namespace talkline::realtime
