#include "realtime/feed_events.hpp"

#include "realtime/event_packets.hpp"
#include "realtime/events.hpp"
#include "util/json.hpp"
#include "wire/message_json.hpp"

namespace talkline::realtime {

std::string_view feed_event_name(model::ChangeKind kind) {
  switch (kind) {
    case model::ChangeKind::created: return events::message_new;
    case model::ChangeKind::edited: return events::message_updated;
    case model::ChangeKind::deleted: return events::message_deleted;
    case model::ChangeKind::reacted:
    case model::ChangeKind::unreacted: return events::message_reaction;
    case model::ChangeKind::pinned:
    case model::ChangeKind::unpinned: return events::message_pin;
  }
  return events::message_new;
}

std::string feed_event_payload(const model::Change& change) {
  if (change.kind == model::ChangeKind::created) return wire::message_wire(change.message);
  return util::dump_json(wire::change_json(change));
}

std::vector<transport::engineio::Packet> feed_event_packets(const model::Change& change) {
  return event_packets(feed_event_name(change.kind), feed_event_payload(change));
}

}  // namespace talkline::realtime
