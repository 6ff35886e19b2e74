#include "wire/upload_json.hpp"

#include "util/time.hpp"
#include "wire/message_json.hpp"

namespace talkline::wire {

util::Json upload_json(const model::Upload& upload) {
  util::Json json = attachment_json(model::attachment_of(upload));
  json["createdAt"] = util::format_rfc3339(upload.created_at);
  return json;
}

}  // namespace talkline::wire
