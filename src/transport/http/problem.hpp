#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/http/message.hpp"

namespace talkline::transport::http {

/// An RFC 9457 `application/problem+json` response:
/// `{type, title, status, code, detail, errors?: [{field, message}]}`, where `type` is
/// `https://talkline.dev/problems/<code>`. `errors` appears only when field errors are given.
/// Never throws on bad UTF-8 in the texts: invalid bytes are replaced.
Response problem_response(int status, std::string_view code, std::string_view title, std::string_view detail,
                          const std::vector<std::pair<std::string, std::string>>& field_errors = {});

/// The standard reason phrase of a status ("Not Found"), or "Error" for unknown ones;
/// the transport uses it as the problem title.
std::string_view status_title(int status);

}  // namespace talkline::transport::http
