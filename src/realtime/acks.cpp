#include "realtime/acks.hpp"

namespace talkline::realtime {

util::Json ok_ack(util::Json fields) {
  util::Json ack = {{"ok", true}};
  for (auto& [key, value] : fields.items()) ack[key] = std::move(value);
  return ack;
}

util::Json error_ack(const Error& error) {
  util::Json detail = {{"code", std::string(error_code_name(error.code))}, {"message", error.message}};
  if (!error.fields.empty()) {
    util::Json fields = util::Json::array();
    for (const auto& field : error.fields) fields.push_back({{"field", field.field}, {"message", field.message}});
    detail["fields"] = std::move(fields);
  }
  if (error.code == ErrorCode::rate_limited) detail["retryAfter"] = error.retry_after_seconds;
  return {{"ok", false}, {"error", std::move(detail)}};
}

}  // namespace talkline::realtime
