#pragma once

// The Lua scripts of the Redis presence directory. Each runs atomically in Redis, which
// is what makes "first/last anywhere" and "exactly one node reports an expiry" hold
// across nodes. Every script reads the clock with TIME, so entries expire by the Redis
// server's clock and the nodes' clocks may disagree.
//
// Keys, for a key prefix P (docs/HLD.md "Presence across nodes"):
//   P p:<user>       sorted set: member = node token, score = expiry (ms)
//   P p:expiry       sorted set: member = "<user>:<node token>", score = expiry (ms);
//                    the index the sweepers scan for entries of dead nodes
//   P p:seen:<user>  string: when a node last let go of the user while others still
//                    held them (ms), so an expiry report can give a later last-seen
//
// The multi-user scripts build user keys from a prefix argument, so they need a
// standalone Redis (or every key in one cluster slot).

#include <string_view>

namespace talkline::presence::redis::scripts {

/// KEYS: user set, expiry index. ARGV: node, ttl ms, user id.
/// Adds this node as a holder; returns 1 when no other node held the user (live).
extern const std::string_view kOnline;

/// KEYS: user set, seen key, expiry index. ARGV: node, user id, at ms, seen ttl ms.
/// Removes this node as a holder (and holders that expired); returns 1 when none is left.
extern const std::string_view kOffline;

/// KEYS: expiry index. ARGV: user set prefix, node, ttl ms, user ids...
/// Refreshes this node's entries of the users; returns the users whose entry this node
/// had lost and that no other node holds (they may have been reported offline).
extern const std::string_view kHeartbeat;

/// KEYS: expiry index. ARGV: user set prefix, seen prefix, limit, ttl ms.
/// Claims up to `limit` expired index entries (each one by exactly one caller: it is
/// removed as it is read) and drops them from their user sets. Returns
/// [claimed, user, last seen, user, last seen, ...] for the users left with no live
/// holder.
extern const std::string_view kSweep;

/// ARGV: user set prefix, user ids... Returns 1 per user with a live holder, else 0.
extern const std::string_view kQuery;

}  // namespace talkline::presence::redis::scripts
