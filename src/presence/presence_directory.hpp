#pragma once

// Who is online anywhere in the cluster. Each node tells the directory which users it
// holds live connections of; the directory answers whether that made a user come
// online (or go offline) cluster-wide, and notices nodes that died holding users.

#include <functional>
#include <vector>

#include "model/types.hpp"

namespace talkline::presence {

using model::Id;
using model::Millis;

class PresenceDirectory {
 public:
  /// Called with whether the change was the cluster-wide one (see each method).
  using Done = std::function<void(bool)>;
  using ExpiredHandler = std::function<void(Id user, Millis last_seen)>;
  using RestoredHandler = std::function<void(Id user)>;

  virtual ~PresenceDirectory() = default;

  /// This node now holds a connection of `user`. Calls are counted: each one must be
  /// matched by one node_offline, and the directory acts when its count for the user
  /// goes 0 → 1. So calls for one user made from several threads need no ordering
  /// among themselves. `done(true)` when no node held the user before: they came
  /// online cluster-wide; `done(false)` otherwise, including for a call that did not
  /// move the count from zero.
  ///
  /// Never blocks on the network. `done` runs exactly once, on any thread, possibly
  /// before this returns. While the backend's server is unreachable the answer is a
  /// best guess from this node's own state (true when this node had no connection).
  virtual void node_online(Id user, Done done) = 0;

  /// Undoes one node_online; when this node then holds no connection of `user`,
  /// `done(true)` if no node holds them any more (they went offline cluster-wide at
  /// `at`). Same threading and best-guess rules as node_online.
  virtual void node_offline(Id user, Millis at, Done done) = 0;

  /// The users among `users` whom no node holds (order kept, duplicates kept).
  /// Blocking: waits for the backend's server, at most about its I/O timeout, and then
  /// answers from this node's own state. Never call it on an event loop.
  virtual std::vector<Id> offline_among(const std::vector<Id>& users) = 0;

  /// Set once, before the first node_online. Called (on any thread) when a user's last
  /// holder was a node that stopped refreshing its entries (it crashed, or was cut
  /// off for longer than the TTL): exactly one surviving node gets the call per such
  /// user, so it can announce "offline". `last_seen` is that node's last sign of life.
  /// A backend that cannot lose a node never calls it.
  virtual void on_expired(ExpiredHandler handler) = 0;

  /// Set once, before the first node_online. Called when this node finds that a user
  /// it holds had been dropped from the directory (its entry expired while it was
  /// cut off, and some node may have announced them offline) and no other node holds
  /// them: the node should announce them online again. A backend that cannot lose
  /// entries never calls it.
  virtual void on_restored(RestoredHandler handler) = 0;

  /// False while the answers are best guesses (the backend's server is unreachable).
  virtual bool healthy() const = 0;
};

}  // namespace talkline::presence
