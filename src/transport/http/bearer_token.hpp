#pragma once

#include <string_view>

#include "transport/http/message.hpp"
#include "util/result.hpp"

namespace talkline::transport::http {

/// The token of `Authorization: Bearer <token>` (the scheme in any case), or
/// `unauthenticated` saying what is wrong. The view points into `request`. Both the REST
/// API and the Socket.IO handshake read it.
Result<std::string_view> bearer_token(const Request& request);

}  // namespace talkline::transport::http
