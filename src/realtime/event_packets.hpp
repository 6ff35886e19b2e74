#pragma once

#include <string_view>
#include <vector>

#include "realtime/connection.hpp"

namespace talkline::realtime {

/// The Engine.IO messages of a server event with one JSON argument, encoded once
/// and sent to any number of connections. Pure; any thread.
std::vector<transport::engineio::Packet> event_packets(std::string_view event, std::string_view payload_json);
SharedPackets shared_event_packets(std::string_view event, std::string_view payload_json);

}  // namespace talkline::realtime
