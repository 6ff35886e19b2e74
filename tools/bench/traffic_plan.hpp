#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace talkline::bench {

/// Who talks to whom: one Socket.IO connection per token, conversations listing the
/// connections that must receive their messages, and senders (a connection posting to one
/// of its conversations at a share of the total rate).
struct TrafficPlan {
  struct Sender {
    std::uint32_t connection = 0;
    std::uint32_t conversation = 0;
    double weight = 1;  ///< share of the total rate, relative to the other senders
  };
  std::vector<std::string> tokens;
  std::vector<std::string> conversation_ids;
  std::vector<std::vector<std::uint32_t>> recipients;  ///< per conversation: connections that get its messages
  std::vector<Sender> senders;
  int body_bytes = 32;
};

/// Of the deliveries `plan` implies (each sender's messages to every recipient of its
/// conversation but itself, weighted by the sender's share of the rate), the fraction
/// whose recipient is connected to another node than the sender when connections are
/// spread over `nodes` nodes by node_of. 0 with one node or no deliveries: with several
/// nodes it says how much of the traffic had to cross between them.
double cross_node_share(const TrafficPlan& plan, std::size_t nodes);

}  // namespace talkline::bench
