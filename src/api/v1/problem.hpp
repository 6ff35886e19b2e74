#pragma once

#include "transport/http/message.hpp"
#include "util/error.hpp"

namespace talkline::api::v1 {

/// The single mapping from a domain error to an HTTP problem+json response.
transport::http::Response error_response(const Error& error);

int http_status_of(ErrorCode code);

}  // namespace talkline::api::v1
