#include "store_conformance.hpp"

#include <string>
#include <vector>

namespace talkline::conformance {

extern const int kPinCases = 0;

namespace {

model::MessageChange pin_of(const model::Message& message, const model::User& actor, bool pin, model::Millis at) {
  return change_of(pin ? model::ChangeKind::pinned : model::ChangeKind::unpinned, message, actor, at);
}

std::vector<model::Id> pinned_ids(const std::vector<model::Pin>& pins) {
  std::vector<model::Id> ids;
  for (const auto& pin : pins) ids.push_back(pin.message.id);
  return ids;
}


}  // namespace

TEST_P(StoreConformance, PinsAreListedLatestFirstAndAreChangesOfTheFeed) {
  model::User owner = add_user("owner");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(owner, {bob});
  model::Message first = send(group, bob, "first");
  model::Message second = send(group, bob, "second");
  EXPECT_TRUE(must(store().pin_list(group.id)).empty());

  const model::Millis first_at = tick();
  auto pinned = must(store().message_change(pin_of(first, owner, true, first_at)));
  EXPECT_TRUE(pinned.created);
  EXPECT_EQ(pinned.change.kind, model::ChangeKind::pinned);
  EXPECT_EQ(pinned.change.change_seq, 3);
  EXPECT_EQ(pinned.change.message.id, first.id);
  must(store().message_change(pin_of(second, owner, true, tick())));

  auto pins = must(store().pin_list(group.id));
  EXPECT_EQ(pinned_ids(pins), (std::vector<model::Id>{second.id, first.id}));
  EXPECT_EQ(pins.at(1).pinned_by, owner.id);
  EXPECT_EQ(pins.at(1).pinned_at, first_at);
  EXPECT_EQ(pins.at(1).message.body, "first");

  auto unpinned = must(store().message_change(pin_of(first, owner, false, tick())));
  EXPECT_TRUE(unpinned.created);
  EXPECT_EQ(unpinned.change.kind, model::ChangeKind::unpinned);
  EXPECT_EQ(pinned_ids(must(store().pin_list(group.id))), (std::vector<model::Id>{second.id}));

  auto feed = must(store().change_list(group.id, 2, 10));
  ASSERT_EQ(feed.size(), 3u);
  EXPECT_EQ(feed[0].kind, model::ChangeKind::pinned);
  EXPECT_EQ(feed[1].kind, model::ChangeKind::pinned);
  EXPECT_EQ(feed[2].kind, model::ChangeKind::unpinned);
  EXPECT_EQ(feed[2].message.id, first.id);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 5);
}

TEST_P(StoreConformance, PinsMadeInOneMillisecondAreListedByTheirChanges) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  std::vector<model::Message> messages;
  for (int i = 0; i < 4; ++i) messages.push_back(send(group, owner, "m" + std::to_string(i)));
  const model::Millis at = tick();
  for (int i : {2, 0, 3, 1}) must(store().message_change(pin_of(messages[i], owner, true, at)));
  EXPECT_EQ(pinned_ids(must(store().pin_list(group.id))),
            (std::vector<model::Id>{messages[1].id, messages[3].id, messages[0].id, messages[2].id}));
}

TEST_P(StoreConformance, PinningIsForGroupOwnersAdminsDirectMembersAndSiteAdmins) {
  model::User owner = add_user("owner");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(owner, {bob, carol});
  model::Message message = send(group, bob, "pin me");

  auto refused = store().message_change(pin_of(message, bob, true, tick()));
  EXPECT_EQ(outcome(refused), "forbidden");
  EXPECT_EQ(message_of(refused), "only a group owner or admin can pin a message");
  model::MessageChange by_site_admin = pin_of(message, carol, true, tick());
  by_site_admin.actor_is_site_admin = true;
  EXPECT_EQ(outcome(store().message_change(by_site_admin)), "ok");
  EXPECT_EQ(outcome(store().message_change(pin_of(message, owner, false, tick()))), "ok");

  model::Conversation direct = add_direct(bob, carol);
  model::Message said = send(direct, carol, "between us");
  EXPECT_EQ(outcome(store().message_change(pin_of(said, bob, true, tick()))), "ok");
  EXPECT_EQ(pinned_ids(must(store().pin_list(direct.id))), (std::vector<model::Id>{said.id}));
}

TEST_P(StoreConformance, PinningTwiceOrUnpinningAnUnpinnedMessageChangesNothing) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  model::Message message = send(group, owner, "hi");

  auto never = store().message_change(pin_of(message, owner, false, tick()));
  EXPECT_EQ(outcome(never), "not_found");
  EXPECT_EQ(message_of(never), "pin not found");
  auto pinned = must(store().message_change(pin_of(message, owner, true, tick())));
  auto again = must(store().message_change(pin_of(message, owner, true, tick())));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.change.change_seq, pinned.change.change_seq);
  auto unpinned = must(store().message_change(pin_of(message, owner, false, tick())));
  auto unpinned_again = must(store().message_change(pin_of(message, owner, false, tick())));
  EXPECT_FALSE(unpinned_again.created);
  EXPECT_EQ(unpinned_again.change.change_seq, unpinned.change.change_seq);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);
}

TEST_P(StoreConformance, ADeletedMessageIsUnpinnedAndCannotBePinned) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  model::Message message = send(group, owner, "soon gone");
  must(store().message_change(pin_of(message, owner, true, tick())));
  must(store().message_change(change_of(model::ChangeKind::deleted, message, owner, tick())));
  EXPECT_TRUE(must(store().pin_list(group.id)).empty());
  auto refused = store().message_change(pin_of(message, owner, true, tick()));
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "the message was deleted");
}

TEST_P(StoreConformance, APinPastTheLimitIsRefused) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  std::vector<model::Message> messages;
  for (int i = 0; i < 3; ++i) messages.push_back(send(group, owner, "m" + std::to_string(i)));
  auto limited = [&](const model::Message& message) {
    model::MessageChange change = pin_of(message, owner, true, tick());
    change.max_pins = 2;
    return store().message_change(change);
  };
  EXPECT_EQ(outcome(limited(messages[0])), "ok");
  EXPECT_EQ(outcome(limited(messages[1])), "ok");
  auto refused = limited(messages[2]);
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "a conversation holds at most 2 pinned messages");
  EXPECT_EQ(outcome(limited(messages[1])), "ok") << "pinning a pinned message is no new pin";
  EXPECT_EQ(must(store().pin_list(group.id)).size(), 2u);
}

}  // namespace talkline::conformance
