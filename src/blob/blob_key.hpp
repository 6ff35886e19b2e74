#pragma once

#include <cstddef>
#include <string_view>

#include "util/result.hpp"

namespace talkline::blob {

/// Longest key: short enough to be one file name (NAME_MAX is 255) with room to spare.
inline constexpr std::size_t kMaxKeyLength = 200;

/// True for the characters a key may hold: ASCII letters, digits, '.', '_', '-', '/'.
bool is_key_char(char c);

/// Ok when `key` is a valid blob key (blob/blob_store.hpp): 1 to kMaxKeyLength key
/// characters, '/'-separated segments none of which is empty, "." or "..". Otherwise
/// invalid_argument on the field "key", saying what is wrong.
Result<void> check_key(std::string_view key);

/// Ok when `prefix` may select keys in a listing: at most kMaxKeyLength key
/// characters (it may be empty and may end in '/'). Otherwise invalid_argument.
Result<void> check_prefix(std::string_view prefix);

}  // namespace talkline::blob
