#pragma once

// Typed readers for the fields of a JSON object received from a client, shared by the
// HTTP API and the socket events so both name bad fields the same way. Absent or
// null gives nullopt (or `invalid_argument` "is required" when `required`); a value of
// the wrong type is `invalid_argument` naming the field.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.hpp"
#include "util/result.hpp"

namespace talkline::util {

Result<std::optional<std::string>> string_field(const Json& body, std::string_view name, bool required);
/// A positive id: a string of digits (ids pass 2^53) or a positive integer.
Result<std::optional<std::int64_t>> id_field(const Json& body, std::string_view name, bool required);
Result<std::vector<std::int64_t>> id_list_field(const Json& body, std::string_view name, bool required,
                                                std::size_t max_items);
Result<std::optional<std::int64_t>> integer_field(const Json& body, std::string_view name, bool required);
Result<std::optional<bool>> bool_field(const Json& body, std::string_view name, bool required);

}  // namespace talkline::util
