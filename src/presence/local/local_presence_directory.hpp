#pragma once

#include <mutex>
#include <unordered_map>

#include "presence/presence_directory.hpp"

namespace talkline::presence {

/// The directory of a single node (TALKLINE_BUS=local): this process's own counts.
/// Answers at once, on the calling thread; nothing ever expires.
class LocalPresenceDirectory final : public PresenceDirectory {
 public:
  void node_online(Id user, Done done) override;
  void node_offline(Id user, Millis at, Done done) override;
  std::vector<Id> offline_among(const std::vector<Id>& users) override;
  void on_expired(ExpiredHandler handler) override;
  void on_restored(RestoredHandler handler) override;
  bool healthy() const override { return true; }

 private:
  std::mutex mutex_;
  std::unordered_map<Id, int> held_;  // connections per user; absent means none
};

}  // namespace talkline::presence
