#pragma once

// Reading event payloads: each event takes one JSON object, and every field problem
// becomes an `invalid_argument` naming the field, like the HTTP API's.

#include <optional>
#include <string>
#include <string_view>

#include "model/types.hpp"
#include "util/json.hpp"
#include "util/result.hpp"

namespace talkline::realtime {

/// The event's first argument, which must be an object.
Result<const util::Json*> payload_object(const util::Json::array_t& args);
/// A required id field: a decimal string (ids pass 2^53, so clients should send
/// strings), or a positive integer, which the HTTP API accepts too.
Result<model::Id> required_id(const util::Json& object, std::string_view field);
std::optional<model::Id> optional_id(const util::Json& object, std::string_view field, Error& problem);
Result<std::string> required_string(const util::Json& object, std::string_view field);
Result<bool> required_bool(const util::Json& object, std::string_view field);
/// A required non-negative integer.
Result<model::Seq> required_seq(const util::Json& object, std::string_view field);

}  // namespace talkline::realtime
