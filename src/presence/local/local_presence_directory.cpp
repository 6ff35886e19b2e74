#include "presence/local/local_presence_directory.hpp"

namespace talkline::presence {

void LocalPresenceDirectory::node_online(Id user, Done done) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = ++held_[user] == 1;
  }
  done(first);
}

void LocalPresenceDirectory::node_offline(Id user, Millis /*at*/, Done done) {
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    // An unmatched call (no node_online before it) changes nothing.
    if (auto it = held_.find(user); it != held_.end() && --it->second == 0) {
      held_.erase(it);
      last = true;
    }
  }
  done(last);
}

std::vector<Id> LocalPresenceDirectory::offline_among(const std::vector<Id>& users) {
  std::vector<Id> offline;
  std::lock_guard lock(mutex_);
  for (auto user : users) {
    if (!held_.contains(user)) offline.push_back(user);
  }
  return offline;
}

// One process cannot outlive itself: there is never an expired or restored entry.
void LocalPresenceDirectory::on_expired(ExpiredHandler /*handler*/) {}
void LocalPresenceDirectory::on_restored(RestoredHandler /*handler*/) {}

}  // namespace talkline::presence
