#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "model/types.hpp"

namespace talkline::services {

/// The member ids of conversations, so that announcing a message or a receipt does
/// not read the store each time. Thread-safe. Readers fill it; whoever changes a
/// membership invalidates the entry after the change has committed.
///
/// A fill can race an invalidation: a reader loads the old member list from the
/// store, the change commits and invalidates, then the reader inserts what it loaded.
/// To keep that from bringing a removed member back, every fill carries the
/// generation its lookup saw, and is dropped when the conversation was invalidated
/// since. (Generations are kept per stripe of conversation ids, not per conversation,
/// so they cost no memory per entry; an unrelated invalidation only costs a fill.)
///
/// Only this process's changes invalidate it: several nodes sharing one store would
/// need the bus to carry invalidations.
class MemberCache {
 public:
  using Members = std::shared_ptr<const std::vector<model::Id>>;

  /// The bound is on member ids held, summed over entries: a thousand-member group
  /// costs as much as five hundred direct conversations. 1M ids is about 8 MiB of ids.
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 20;

  explicit MemberCache(std::size_t capacity_ids = kDefaultCapacity) : capacity_ids_(capacity_ids) {}

  struct Lookup {
    Members members;               // null on a miss
    std::uint64_t generation = 0;  // hand it to fill() after reading the store
  };
  Lookup lookup(model::Id conversation_id) const;
  /// Keeps `members` unless the conversation was invalidated after the lookup that
  /// returned `generation`. When full, arbitrary entries make room; a list larger
  /// than the whole capacity is not kept.
  void fill(model::Id conversation_id, std::uint64_t generation, Members members);
  /// Forgets the conversation's members, and makes fills that began before now fail.
  void invalidate(model::Id conversation_id);
  std::size_t size() const;

 private:
  static constexpr std::size_t kStripes = 64;
  static std::size_t stripe_of(model::Id conversation_id) {
    return static_cast<std::uint64_t>(conversation_id) % kStripes;
  }

  void erase(std::unordered_map<model::Id, Members>::iterator it);

  const std::size_t capacity_ids_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<model::Id, Members> entries_;
  std::size_t ids_held_ = 0;
  std::array<std::uint64_t, kStripes> generations_{};
};

}  // namespace talkline::services
