#include "jobs/redis/stream_reply.hpp"

#include <string>

namespace talkline::jobs::redis {

std::optional<std::string_view> field_of(const talkline::redis::Reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields.at(i).text() == name) return fields.at(i + 1).text();
  }
  return std::nullopt;
}

std::vector<Event> events_of(const talkline::redis::Reply& entries, std::vector<std::string>* vanished) {
  std::vector<Event> events;
  events.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto entry = entries.at(i);
    const auto id = entry.at(0).text();
    const auto fields = entry.at(1);
    if (id.empty()) continue;
    if (!fields.is_array()) {
      if (vanished != nullptr) vanished->emplace_back(id);
      continue;
    }
    Event event;
    event.id = std::string(id);
    event.type = std::string(field_of(fields, "type").value_or(""));
    event.payload_json = std::string(field_of(fields, "payload").value_or(""));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace talkline::jobs::redis
