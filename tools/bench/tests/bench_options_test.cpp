#include "bench_options.hpp"

#include <set>

#include <gtest/gtest.h>

namespace talkline::bench {
namespace {

std::vector<std::string> urls_of(const std::vector<Target>& targets) {
  std::vector<std::string> urls;
  for (const auto& target : targets) urls.push_back(target.url());
  return urls;
}

TEST(ParseUrls, TakesCommaSeparatedAndRepeatedValuesInOrder) {
  std::vector<Target> targets;
  ASSERT_EQ(parse_urls({"http://127.0.0.1:8080,http://127.0.0.2:8081/", "http://localhost:9000"}, targets), "");
  EXPECT_EQ(urls_of(targets),
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://127.0.0.2:8081", "http://localhost:9000"}));
  EXPECT_EQ(targets[1].authority(), "127.0.0.2:8081");
}

TEST(ParseUrls, NamesTheBadUrlAndLeavesTheTargetsAlone) {
  std::vector<Target> targets{Target{"10.0.0.1", 1}};
  EXPECT_EQ(parse_urls({"http://127.0.0.1:8080,https://127.0.0.1:8443"}, targets),
            "--url: 'https://127.0.0.1:8443' is not http://host:port");
  EXPECT_EQ(parse_urls({"http://127.0.0.1:8080,"}, targets), "--url: '' is not http://host:port");
  EXPECT_EQ(parse_urls({"http://127.0.0.1:0"}, targets), "--url: 'http://127.0.0.1:0' is not http://host:port");
  EXPECT_EQ(parse_urls({}, targets), "--url: give at least one http://host:port");
  EXPECT_EQ(urls_of(targets), (std::vector<std::string>{"http://10.0.0.1:1"}));
}

TEST(TargetFor, PutsBothUsersOfEveryPairOnNeighbouringNodes) {
  for (std::size_t nodes = 2; nodes <= 4; ++nodes) {
    CommonOptions options;
    options.targets.clear();
    for (std::size_t n = 0; n < nodes; ++n)
      options.targets.push_back(Target{"127.0.0.1", static_cast<std::uint16_t>(9000 + n)});
    // Pair p is connections 2p and 2p+1 (the direct scenario's numbering).
    for (std::size_t p = 0; p < 10; ++p) {
      const auto sender = target_for(options, 2 * p).port - 9000;
      const auto recipient = target_for(options, 2 * p + 1).port - 9000;
      EXPECT_EQ(static_cast<std::size_t>(recipient), (static_cast<std::size_t>(sender) + 1) % nodes)
          << nodes << " nodes, pair " << p;
    }
  }
}

TEST(TargetFor, SpreadsAGroupsConsecutiveMembersOverEveryNode) {
  CommonOptions options;
  options.targets = {Target{"127.0.0.1", 1}, Target{"127.0.0.1", 2}, Target{"127.0.0.1", 3}};
  std::set<std::uint16_t> used;
  for (std::size_t member = 30; member < 33; ++member) used.insert(target_for(options, member).port);
  EXPECT_EQ(used.size(), 3u);
}

TEST(TargetFor, OneNodeTakesEverything) {
  CommonOptions options;
  options.targets = {Target{"127.0.0.1", 7}};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(target_for(options, i).port, 7);
  EXPECT_EQ(node_of(5, 0), 0u);
}

}  // namespace
}  // namespace talkline::bench
