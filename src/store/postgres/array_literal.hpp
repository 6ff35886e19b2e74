#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talkline::store::postgres {

// PostgreSQL array literals in text format, for passing a whole batch as a few
// parameters ($1::bigint[], $2::text[]) and for reading a bigint[] column back.

/// `{1,NULL,3}`: an empty optional is a NULL element.
std::string bigint_array_literal(const std::vector<std::optional<std::int64_t>>& values);
/// `{"a","b \"c\""}`: every element quoted, with `"` and `\` escaped, so any text (commas,
/// braces, the word NULL, spaces at either end) arrives unchanged.
std::string text_array_literal(const std::vector<std::string_view>& values);
/// The elements of a one-dimensional bigint[] in text format, `{1,2,3}`; NULL elements are
/// skipped. nullopt for anything else: the text comes off the network, and a reply we
/// cannot read fails its sends rather than the process (tests/fuzz/fuzz_pg_array.cpp).
std::optional<std::vector<std::int64_t>> parse_bigint_array(std::string_view literal);

}  // namespace talkline::store::postgres
