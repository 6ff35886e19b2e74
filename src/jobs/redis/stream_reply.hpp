#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "jobs/event_log.hpp"
#include "redis/connection.hpp"

namespace talkline::jobs::redis {

/// The field `name` of a stream entry's flat [field, value, ...] array.
std::optional<std::string_view> field_of(const talkline::redis::Reply& fields, std::string_view name);

/// Stream entries — an array of [id, [field, value, ...]] — as events (fields "type"
/// and "payload"). An entry whose fields are nil (deleted after it was delivered) is
/// left out; its id goes to `vanished` when that is given.
std::vector<Event> events_of(const talkline::redis::Reply& entries, std::vector<std::string>* vanished = nullptr);

}  // namespace talkline::jobs::redis
