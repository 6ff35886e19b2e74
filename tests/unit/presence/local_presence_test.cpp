// The presence suite against the in-process directory (TALKLINE_BUS=local).
#include "presence/local/local_presence_directory.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "conformance/presence_conformance.hpp"

namespace talkline::presence {
namespace {

TALKLINE_INSTANTIATE_PRESENCE_CONFORMANCE(Local, conformance::PresenceFactory{
                                                     "local", [](bool) {
                                                       return conformance::PresenceCluster{
                                                           [] { return std::make_unique<LocalPresenceDirectory>(); }};
                                                     }});

TEST(LocalPresenceDirectory, AnswersOnTheCallingThreadBeforeReturning) {
  LocalPresenceDirectory directory;
  std::optional<bool> first;
  directory.node_online(7, [&](bool yes) { first = yes; });
  EXPECT_EQ(first, true);
  std::optional<bool> last;
  directory.node_offline(7, 1000, [&](bool yes) { last = yes; });
  EXPECT_EQ(last, true);
}

}  // namespace
}  // namespace talkline::presence
