#pragma once

#include <cstddef>
#include <string_view>

namespace talkline::util {

/// Strict UTF-8: rejects overlong forms, surrogates, code points past U+10FFFF and
/// truncated sequences.
bool utf8_valid(std::string_view text);
/// Number of code points; only meaningful for valid UTF-8.
std::size_t utf8_length(std::string_view text);
/// True when the text holds a control character other than newline and tab: C0
/// (U+0000–U+001F), DEL, C1 (U+0080–U+009F). Carriage return counts as a control.
bool has_control_characters(std::string_view text, bool allow_newline_and_tab = true);

}  // namespace talkline::util
