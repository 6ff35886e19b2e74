#include "wire/scalar_json.hpp"

#include <string>

#include "util/time.hpp"

namespace talkline::wire {

util::Json id_json(model::Id id) { return std::to_string(id); }

util::Json optional_id_json(const std::optional<model::Id>& id) {
  return id ? util::Json(std::to_string(*id)) : util::Json(nullptr);
}

util::Json time_json(const std::optional<model::Millis>& ms) {
  return ms ? util::Json(util::format_rfc3339(*ms)) : util::Json(nullptr);
}

}  // namespace talkline::wire
