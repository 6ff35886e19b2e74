#pragma once

#include <optional>

#include "model/types.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// An id as a JSON string: JavaScript numbers lose precision past 2^53.
util::Json id_json(model::Id id);
/// An id as a JSON string, or null.
util::Json optional_id_json(const std::optional<model::Id>& id);
/// A time as RFC 3339 UTC with milliseconds, or null.
util::Json time_json(const std::optional<model::Millis>& ms);

}  // namespace talkline::wire
