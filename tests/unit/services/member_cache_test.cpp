#include "services/member_cache.hpp"

#include <gtest/gtest.h>

namespace talkline::testing {
namespace {

using services::MemberCache;

MemberCache::Members members(std::vector<model::Id> ids) {
  return std::make_shared<const std::vector<model::Id>>(std::move(ids));
}

TEST(MemberCache, MissesUntilFilledThenHits) {
  MemberCache cache;
  auto first = cache.lookup(7);
  EXPECT_EQ(first.members, nullptr);
  cache.fill(7, first.generation, members({1, 2}));
  auto second = cache.lookup(7);
  ASSERT_NE(second.members, nullptr);
  EXPECT_EQ(*second.members, (std::vector<model::Id>{1, 2}));
}

TEST(MemberCache, InvalidateForgetsTheMembers) {
  MemberCache cache;
  cache.fill(7, cache.lookup(7).generation, members({1, 2}));
  cache.invalidate(7);
  EXPECT_EQ(cache.lookup(7).members, nullptr);
}

// The race the generation exists for: a reader loads the old list, a removal commits
// and invalidates, then the reader's fill arrives. It must not bring the old list back.
TEST(MemberCache, FillStartedBeforeAnInvalidationIsDropped) {
  MemberCache cache;
  const auto stale = cache.lookup(7);
  cache.invalidate(7);
  cache.fill(7, stale.generation, members({1, 2}));
  EXPECT_EQ(cache.lookup(7).members, nullptr);

  const auto fresh = cache.lookup(7);
  cache.fill(7, fresh.generation, members({1}));
  ASSERT_NE(cache.lookup(7).members, nullptr);
  EXPECT_EQ(*cache.lookup(7).members, (std::vector<model::Id>{1}));
}

TEST(MemberCache, StaleFillDoesNotReplaceANewerEntry) {
  MemberCache cache;
  const auto stale = cache.lookup(7);
  cache.invalidate(7);
  cache.fill(7, cache.lookup(7).generation, members({1}));
  cache.fill(7, stale.generation, members({1, 2}));
  EXPECT_EQ(*cache.lookup(7).members, (std::vector<model::Id>{1}));
}

TEST(MemberCache, StaysWithinItsCapacityInMemberIds) {
  MemberCache cache(6);
  for (model::Id id = 1; id <= 10; ++id) cache.fill(id, cache.lookup(id).generation, members({id, id + 100}));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.lookup(10).members, nullptr);  // the newest entry is kept
  cache.fill(11, cache.lookup(11).generation, members({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(MemberCache, RefillingAnEntryDoesNotCountItTwice) {
  MemberCache cache(4);
  cache.fill(7, cache.lookup(7).generation, members({1, 2}));
  cache.fill(7, cache.lookup(7).generation, members({1, 2, 3}));
  cache.fill(8, cache.lookup(8).generation, members({4}));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(MemberCache, AListLargerThanTheCapacityIsNotKept) {
  MemberCache cache(2);
  cache.fill(7, cache.lookup(7).generation, members({1, 2, 3}));
  EXPECT_EQ(cache.lookup(7).members, nullptr);
}

}  // namespace
}  // namespace talkline::testing
