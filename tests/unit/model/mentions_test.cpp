#include "model/mentions.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using talkline::model::cut_reply_preview;
using talkline::model::mentioned_usernames;
using talkline::model::ReplyPreview;
using Names = std::vector<std::string>;

TEST(MentionedUsernames, FindsATokenAtTheStartAndAfterNonWordCharacters) {
  EXPECT_EQ(mentioned_usernames("@ann hi", 50), Names{"ann"});
  EXPECT_EQ(mentioned_usernames("hi @ann, (@bob) and\n@carol!", 50), (Names{"ann", "bob", "carol"}));
  EXPECT_EQ(mentioned_usernames("-@ann é@bob", 50), (Names{"ann", "bob"}));
}

TEST(MentionedUsernames, IgnoresAnAtInsideAWord) {
  EXPECT_TRUE(mentioned_usernames("mail ann@example.com", 50).empty());
  EXPECT_TRUE(mentioned_usernames("x_@ann 9@bob", 50).empty());
  EXPECT_EQ(mentioned_usernames("@ann@bob", 50), Names{"ann"});
}

TEST(MentionedUsernames, MatchesCaseInsensitivelyAndListsEachNameOnce) {
  EXPECT_EQ(mentioned_usernames("@Ann @ANN @ann @Bob", 50), (Names{"ann", "bob"}));
}

TEST(MentionedUsernames, TakesTheWholeRunOfUsernameCharactersWithoutTrailingDots) {
  EXPECT_EQ(mentioned_usernames("thanks @ann.lee.", 50), Names{"ann.lee"});
  EXPECT_EQ(mentioned_usernames("@bob...", 50), Names{"bob"});
  EXPECT_EQ(mentioned_usernames("@a_b.c9 ok", 50), Names{"a_b.c9"});
}

TEST(MentionedUsernames, NeedsAUsernameOfThreeToThirtyTwoCharacters) {
  EXPECT_TRUE(mentioned_usernames("@ab @ @. @... @ab..", 50).empty());
  EXPECT_EQ(mentioned_usernames("@..x", 50), Names{"..x"});  // a username may start with dots
  const std::string longest(32, 'x');
  EXPECT_EQ(mentioned_usernames("@" + longest, 50), Names{longest});
  EXPECT_TRUE(mentioned_usernames("@" + longest + "y", 50).empty());
}

TEST(MentionedUsernames, StopsAtTheLimit) {
  EXPECT_EQ(mentioned_usernames("@ann @bob @carol", 2), (Names{"ann", "bob"}));
  EXPECT_EQ(mentioned_usernames("@ann @ann @bob @carol", 2), (Names{"ann", "bob"}));
  EXPECT_TRUE(mentioned_usernames("@ann", 0).empty());
}

TEST(MentionedUsernames, AcceptsAnyBytes) {
  const std::string bytes("\xff@ann\x80\x00@bob", 11);
  EXPECT_EQ(mentioned_usernames(bytes, 50), (Names{"ann", "bob"}));
}

TEST(CutReplyPreview, KeepsAShortBodyWhole) {
  ReplyPreview preview;
  preview.body = "héllo";
  cut_reply_preview(preview, 5);
  EXPECT_EQ(preview.body, "héllo");
  EXPECT_FALSE(preview.truncated);
}

TEST(CutReplyPreview, CutsOnACodePointBoundary) {
  ReplyPreview preview;
  preview.body = "aé😀bc";
  cut_reply_preview(preview, 3);
  EXPECT_EQ(preview.body, "aé😀");
  EXPECT_TRUE(preview.truncated);
  ReplyPreview emoji;
  emoji.body = "😀😀";
  cut_reply_preview(emoji, 1);
  EXPECT_EQ(emoji.body, "😀");
  EXPECT_TRUE(emoji.truncated);
}
