#include "realtime/payload.hpp"

namespace talkline::realtime {

Result<const util::Json*> payload_object(const util::Json::array_t& args) {
  if (args.empty() || !args.front().is_object()) return Error::invalid("payload", "must be an object");
  return &args.front();
}

Result<model::Id> required_id(const util::Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return Error::invalid(std::string(field), "is required");
  auto id = util::id_from_json(*it);
  if (!id || *id <= 0) return Error::invalid(std::string(field), "must be an id (a decimal string)");
  return *id;
}

std::optional<model::Id> optional_id(const util::Json& object, std::string_view field, Error& problem) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  auto id = util::id_from_json(*it);
  if (!id || *id <= 0) {
    problem = Error::invalid(std::string(field), "must be an id (a decimal string)");
    return std::nullopt;
  }
  return *id;
}

Result<std::string> required_string(const util::Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return Error::invalid(std::string(field), "is required");
  if (!it->is_string()) return Error::invalid(std::string(field), "must be a string");
  return it->get<std::string>();
}

Result<bool> required_bool(const util::Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return Error::invalid(std::string(field), "is required");
  if (!it->is_boolean()) return Error::invalid(std::string(field), "must be true or false");
  return it->get<bool>();
}

Result<model::Seq> required_seq(const util::Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end()) return Error::invalid(std::string(field), "is required");
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    return Error::invalid(std::string(field), "must be an integer, zero or more");
  }
  return it->get<std::int64_t>();
}

}  // namespace talkline::realtime
