#include "util/json_fields.hpp"

#include <cstdint>

namespace talkline::util {
namespace {

Error wrong_type(std::string_view name, std::string_view expected) {
  return Error::invalid(std::string(name), "must be " + std::string(expected));
}

}  // namespace

Result<std::optional<std::string>> string_field(const Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<std::string>{};
  }
  if (!it->is_string()) return wrong_type(name, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<std::int64_t>> id_field(const Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<std::int64_t>{};
  }
  const auto id = id_from_json(*it);
  if (!id) return wrong_type(name, "an id (a string of digits)");
  return std::optional<std::int64_t>(*id);
}

Result<std::vector<std::int64_t>> id_list_field(const Json& body, std::string_view name, bool required,
                                                std::size_t max_items) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::vector<std::int64_t>{};
  }
  if (!it->is_array()) return wrong_type(name, "an array of ids");
  if (it->size() > max_items) {
    return Error::invalid(std::string(name), "must hold at most " + std::to_string(max_items) + " ids");
  }
  std::vector<std::int64_t> ids;
  ids.reserve(it->size());
  for (const auto& item : *it) {
    const auto id = id_from_json(item);
    if (!id) return wrong_type(name, "an array of ids (strings of digits)");
    ids.push_back(*id);
  }
  return ids;
}

Result<std::optional<std::int64_t>> integer_field(const Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<std::int64_t>{};
  }
  if (!it->is_number_integer()) return wrong_type(name, "an integer");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return wrong_type(name, "an integer in range");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::optional<bool>> bool_field(const Json& body, std::string_view name, bool required) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Error::invalid(std::string(name), "is required");
    return std::optional<bool>{};
  }
  if (!it->is_boolean()) return wrong_type(name, "true or false");
  return std::optional<bool>(it->get<bool>());
}

}  // namespace talkline::util
