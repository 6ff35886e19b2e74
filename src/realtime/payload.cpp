#include "realtime/payload.hpp"

#include "util/json_fields.hpp"

namespace talkline::realtime {

Result<const util::Json*> payload_object(const util::Json::array_t& args) {
  if (args.empty() || !args.front().is_object()) return Error::invalid("payload", "must be an object");
  return &args.front();
}

Result<model::Id> required_id(const util::Json& object, std::string_view field) {
  TL_TRY_ASSIGN(const auto id, util::id_field(object, field, true));
  return *id;
}

std::optional<model::Id> optional_id(const util::Json& object, std::string_view field, Error& problem) {
  auto id = util::id_field(object, field, false);
  if (!id.ok()) {
    problem = id.error();
    return std::nullopt;
  }
  return *id;
}

Result<std::string> required_string(const util::Json& object, std::string_view field) {
  TL_TRY_ASSIGN(auto text, util::string_field(object, field, true));
  return std::move(*text);
}

Result<bool> required_bool(const util::Json& object, std::string_view field) {
  TL_TRY_ASSIGN(const auto flag, util::bool_field(object, field, true));
  return *flag;
}

Result<model::Seq> required_seq(const util::Json& object, std::string_view field) {
  TL_TRY_ASSIGN(const auto seq, util::integer_field(object, field, true));
  if (*seq < 0) return Error::invalid(std::string(field), "must be zero or more");
  return *seq;
}

}  // namespace talkline::realtime
