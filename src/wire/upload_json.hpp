#pragma once

#include "model/attachment.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// The answer to an upload: the attachment shape (message_json.hpp) plus `createdAt`.
util::Json upload_json(const model::Upload& upload);

}  // namespace talkline::wire
