#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/message.hpp"

namespace talkline::model {

/// The usernames a message body mentions, lower-cased, each once, in order of first
/// appearance, at most `max` of them (the rest are ignored). A mention is `@` at the start
/// of the body or after a byte that is not a word character ([A-Za-z0-9_]), followed by
/// the longest run of username characters ([A-Za-z0-9_.]) with its trailing dots dropped
/// (a full stop ending a sentence), when that is 3 to 32 characters long: a username as
/// registration accepts it. So `mail@bob.com` mentions nobody, `(@Bob)` and `@bob.` mention
/// `bob`, and a run of 33 characters mentions nobody rather than someone shorter.
/// Pure and total: any bytes are accepted, non-UTF-8 included (they are never name characters).
std::vector<std::string> mentioned_usernames(std::string_view body, std::size_t max);

/// Cuts a preview's body to its first `max_chars` code points (never inside a UTF-8
/// sequence) and sets `truncated` when anything was cut.
void cut_reply_preview(ReplyPreview& preview, std::size_t max_chars);

}  // namespace talkline::model
