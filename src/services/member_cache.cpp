#include "services/member_cache.hpp"

namespace talkline::services {

MemberCache::Lookup MemberCache::lookup(model::Id conversation_id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(conversation_id);
  return Lookup{it == entries_.end() ? nullptr : it->second, generations_[stripe_of(conversation_id)]};
}

void MemberCache::fill(model::Id conversation_id, std::uint64_t generation, Members members) {
  std::lock_guard lock(mutex_);
  if (generations_[stripe_of(conversation_id)] != generation) return;  // invalidated while it was read
  if (!members || members->size() > capacity_ids_) return;
  if (auto old = entries_.find(conversation_id); old != entries_.end()) erase(old);
  while (ids_held_ + members->size() > capacity_ids_) erase(entries_.begin());
  ids_held_ += members->size();
  entries_.emplace(conversation_id, std::move(members));
}

void MemberCache::invalidate(model::Id conversation_id) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(conversation_id); it != entries_.end()) erase(it);
  ++generations_[stripe_of(conversation_id)];
}

void MemberCache::erase(std::unordered_map<model::Id, Members>::iterator it) {
  ids_held_ -= it->second->size();
  entries_.erase(it);
}

std::size_t MemberCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace talkline::services
