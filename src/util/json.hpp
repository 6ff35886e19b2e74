#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace talkline::util {

using Json = nlohmann::json;

/// Parses a request body that must be a JSON object. Never throws: malformed JSON,
/// a non-object, or nesting deeper than `max_depth` give `invalid_argument`.
Result<Json> parse_json_object(std::string_view text, int max_depth = 32);

/// Serialises; invalid UTF-8 in strings is replaced rather than throwing.
std::string dump_json(const Json& value);
/// Appends `text` as a JSON string literal, quotes included, exactly as dump_json would
/// write it; for building hot wire shapes without a Json tree.
void append_json_string(std::string& out, std::string_view text);

/// A positive id from a JSON string of digits or a positive JSON integer; nullopt
/// otherwise (zero, negatives, floats, booleans included).
std::optional<std::int64_t> id_from_json(const Json& value);
/// A positive id from 1–19 ASCII digits; rejects zero, signs, spaces, overflow past int64.
std::optional<std::int64_t> parse_id(std::string_view text);

}  // namespace talkline::util
