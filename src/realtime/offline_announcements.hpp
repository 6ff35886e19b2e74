#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "model/user.hpp"
#include "util/result.hpp"

namespace talkline::realtime {

/// "offline" announcements waiting for their user's lastSeenAt to be recorded. Many users
/// go offline together (a network drops, a dead node's users expire), and one store write
/// per user would hold the gateway's small pool for one commit each; so everything that
/// arrives while a batch is being handled waits for the next batch, whose times are
/// recorded in one write. Each user is announced only after that write, so a contact who
/// hears "offline" and reads the profile finds the time.
///
/// Threads: add() from any thread (event loops, the presence directory's threads). The
/// drain runs on whatever `post` runs it on (the gateway's pool), never two at once.
class OfflineAnnouncements {
 public:
  struct Steps {
    /// Whether the user has a connection on this node again; they are left out then.
    std::function<bool(model::Id user_id)> online_again;
    /// Records the lastSeenAt of a whole batch in one store write.
    std::function<Result<void>(const std::vector<model::LastSeen>& seen)> record;
    /// Tells the user's contacts, once the batch's lastSeenAt is recorded (or failed to be).
    std::function<void(const model::LastSeen& seen)> announce;
  };
  /// Runs the drain later on another thread; whatever keeps the steps' owner alive
  /// meanwhile is the poster's to hold.
  using Post = std::function<void(std::function<void()> drain)>;

  OfflineAnnouncements(Post post, Steps steps) : post_(std::move(post)), steps_(std::move(steps)) {}

  /// Queues the announcement and posts a drain unless one is posted or running already.
  void add(model::LastSeen seen);

 private:
  /// Takes everything queued, records it, announces it, and goes on while more arrived.
  void drain();

  const Post post_;
  const Steps steps_;
  std::mutex mutex_;
  std::vector<model::LastSeen> queued_;
  bool draining_ = false;  // a drain is posted or running; it will see what is queued
};

}  // namespace talkline::realtime
