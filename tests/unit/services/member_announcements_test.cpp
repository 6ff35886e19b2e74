// Announcements go through the member cache; these check that every membership
// change is seen by the very next announcement.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "service_fixture.hpp"

namespace talkline::testing {
namespace {

/// Remembers who each message was announced to.
class RecordingPublisher : public services::EventPublisher {
 public:
  void message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                       std::string_view /*origin_connection*/) override {
    std::lock_guard lock(mutex_);
    auto sorted = member_ids;
    std::sort(sorted.begin(), sorted.end());
    recipients[message.seq] = std::move(sorted);
  }
  void message_changed(const model::Change& change, const std::vector<model::Id>& member_ids,
                       std::string_view /*origin_connection*/) override {
    std::lock_guard lock(mutex_);
    auto sorted = member_ids;
    std::sort(sorted.begin(), sorted.end());
    change_recipients[change.change_seq] = std::move(sorted);
  }
  void cursor_moved(const model::Member&, model::CursorKind, const std::vector<model::Id>& member_ids,
                    model::Millis) override {
    std::lock_guard lock(mutex_);
    receipt_recipients = member_ids;
    std::sort(receipt_recipients.begin(), receipt_recipients.end());
  }
  void conversation_changed(const model::Conversation&, const std::vector<model::Id>&) override {}
  void session_ended(model::Id, model::Id) override {}

  std::map<model::Seq, std::vector<model::Id>> recipients;
  std::vector<model::Id> receipt_recipients;
  std::map<model::Seq, std::vector<model::Id>> change_recipients;

 private:
  std::mutex mutex_;
};

class MemberAnnouncementsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    messages_->publish_to(&publisher_);
    conversations_->publish_to(&publisher_);
    alice_ = make_user("alice");
    bob_ = make_user("bob");
    carol_ = make_user("carol");
    auto group = conversations_->create_group(alice_, "Team", {bob_.user_id});
    ASSERT_TRUE(group.ok());
    group_ = group->id;
  }

  std::vector<model::Id> sorted(std::vector<model::Id> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  RecordingPublisher publisher_;
  services::Principal alice_, bob_, carol_;
  model::Id group_ = 0;
};

TEST_F(MemberAnnouncementsTest, AnAddedMemberHearsTheNextMessage) {
  send(alice_, group_, "m1", "before");
  ASSERT_TRUE(conversations_->add_members(alice_, group_, {carol_.user_id}).ok());
  send(alice_, group_, "m2", "after");
  EXPECT_EQ(publisher_.recipients[1], sorted({alice_.user_id, bob_.user_id}));
  EXPECT_EQ(publisher_.recipients[2], sorted({alice_.user_id, bob_.user_id, carol_.user_id}));
}

TEST_F(MemberAnnouncementsTest, ARemovedMemberHearsNothingMore) {
  send(alice_, group_, "m1", "before");
  ASSERT_TRUE(conversations_->remove_member(alice_, group_, bob_.user_id).ok());
  send(alice_, group_, "m2", "after");
  EXPECT_EQ(publisher_.recipients[1], sorted({alice_.user_id, bob_.user_id}));
  EXPECT_EQ(publisher_.recipients[2], sorted({alice_.user_id}));
}

TEST_F(MemberAnnouncementsTest, AMemberWhoLeftHearsNothingMore) {
  ASSERT_TRUE(conversations_->add_members(alice_, group_, {carol_.user_id}).ok());
  send(alice_, group_, "m1", "before");
  ASSERT_TRUE(conversations_->remove_member(carol_, group_, carol_.user_id).ok());
  send(bob_, group_, "m2", "after");
  EXPECT_EQ(publisher_.recipients[2], sorted({alice_.user_id, bob_.user_id}));
}

TEST_F(MemberAnnouncementsTest, ReceiptsGoToTheCurrentMembers) {
  send(alice_, group_, "m1", "hello");
  ASSERT_TRUE(conversations_->add_members(alice_, group_, {carol_.user_id}).ok());
  ASSERT_TRUE(messages_->mark_read(bob_, group_, 1).ok());
  EXPECT_EQ(publisher_.receipt_recipients, sorted({alice_.user_id, bob_.user_id, carol_.user_id}));
}

// A removal racing a stream of sends: the recipients switch once, in seq order, and
// never switch back (a stale cache fill would bring the removed member back).
TEST_F(MemberAnnouncementsTest, ConcurrentRemovalSwitchesRecipientsOnce) {
  std::thread sender([&] {
    for (int i = 0; i < 200; ++i) send(alice_, group_, "c" + std::to_string(i), "x");
  });
  std::thread remover([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(conversations_->remove_member(alice_, group_, bob_.user_id).ok());
  });
  sender.join();
  remover.join();
  bool bob_gone = false;
  for (const auto& [seq, ids] : publisher_.recipients) {
    const bool has_bob = std::find(ids.begin(), ids.end(), bob_.user_id) != ids.end();
    if (!has_bob) bob_gone = true;
    EXPECT_FALSE(bob_gone && has_bob) << "seq " << seq << " went to bob after a message that did not";
  }
  EXPECT_EQ(publisher_.recipients.size(), 200u);
  EXPECT_TRUE(bob_gone);
}

}  // namespace
}  // namespace talkline::testing
