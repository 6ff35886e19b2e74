#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/result.hpp"

namespace talkline::services::cursor {

/// Opaque page cursors. Clients must treat them as strings to pass back unchanged;
/// a cursor that does not decode is a 400 on the `cursor` field.
std::string encode_activity(const store::ActivityCursor& position);
Result<store::ActivityCursor> decode_activity(std::string_view text);

std::string encode_username(std::string_view username);
Result<std::string> decode_username(std::string_view text);

/// Ids and seqs travel as plain decimal strings.
Result<model::Id> decode_id(std::string_view text, std::string_view field);

}  // namespace talkline::services::cursor
