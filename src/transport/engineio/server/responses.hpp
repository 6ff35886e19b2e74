#pragma once

// The HTTP answers of the polling transport, in the shapes clients expect.

#include <string>

#include "transport/engineio/codec/request.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::engineio {

/// A protocol error on a polling request: JSON `{"code":N,"message":"…"}`.
http::Response error_response(const RequestError& error);
/// A GET's answer: the encoded payload as UTF-8 text.
http::Response payload_response(std::string body);
/// A POST's answer: `ok`, as text/html like the reference server.
http::Response ok_response();

}  // namespace talkline::transport::engineio
