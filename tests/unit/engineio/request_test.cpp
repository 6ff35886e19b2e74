#include "transport/engineio/codec/request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::transport::engineio {
namespace {

constexpr std::string_view kSid = "lv_VI97HAXpY6yYWAAAC";

HandshakeRequest accepted(std::string_view query, std::string_view method = "GET", bool upgrade = false) {
  auto check = check_request(query, method, upgrade);
  const auto* request = std::get_if<HandshakeRequest>(&check);
  EXPECT_NE(request, nullptr) << query << " rejected: " << (request ? "" : std::get<RequestError>(check).message);
  return request ? *request : HandshakeRequest{};
}

RequestError rejected(std::string_view query, std::string_view method = "GET", bool upgrade = false) {
  auto check = check_request(query, method, upgrade);
  const auto* error = std::get_if<RequestError>(&check);
  EXPECT_NE(error, nullptr) << query << " accepted";
  return error ? *error : RequestError{};
}

TEST(EngineIoRequest, PollingHandshake) {
  const auto request = accepted("EIO=4&transport=polling&t=N8hyd6w");
  EXPECT_EQ(request.transport, Transport::polling);
  EXPECT_TRUE(request.is_handshake());
  EXPECT_FALSE(request.base64_binary);
}

TEST(EngineIoRequest, WebSocketHandshake) {
  const auto request = accepted("EIO=4&transport=websocket", "GET", true);
  EXPECT_EQ(request.transport, Transport::websocket);
  EXPECT_TRUE(request.is_handshake());
}

TEST(EngineIoRequest, PollingWithSidAcceptsGetAndPost) {
  const std::string query = "EIO=4&transport=polling&sid=" + std::string(kSid);
  EXPECT_EQ(accepted(query, "GET").sid, kSid);
  EXPECT_EQ(accepted(query, "POST").sid, kSid);
}

TEST(EngineIoRequest, WebSocketUpgradeWithSid) {
  const auto request = accepted("EIO=4&transport=websocket&sid=" + std::string(kSid), "GET", true);
  EXPECT_EQ(request.transport, Transport::websocket);
  EXPECT_EQ(request.sid, kSid);
  EXPECT_FALSE(request.is_handshake());
}

TEST(EngineIoRequest, B64AsksForBase64Binary) {
  EXPECT_TRUE(accepted("EIO=4&transport=websocket&b64=1", "GET", true).base64_binary);
  EXPECT_FALSE(accepted("EIO=4&transport=websocket&b64=", "GET", true).base64_binary);
}

TEST(EngineIoRequest, PercentEncodedParametersAreDecoded) {
  EXPECT_EQ(accepted("EIO=%34&transport=pol%6Cing&sid=lv%5FVI97HAXpY6yYWAAAC", "POST").sid, kSid);
}

TEST(EngineIoRequest, EmptySidMeansHandshake) { EXPECT_TRUE(accepted("EIO=4&transport=polling&sid=").is_handshake()); }

TEST(EngineIoRequest, ApplicationParametersAreIgnored) {
  EXPECT_TRUE(accepted("token=abc&EIO=4&&transport=polling&flag").is_handshake());
}

// Code 0.
TEST(EngineIoRequest, MissingOrUnknownTransportIsTransportUnknown) {
  for (const std::string_view query : {"EIO=4", "EIO=4&transport=abc", "EIO=4&transport=", "EIO=4&transport=Polling",
                                       "EIO=4&transport=constructor", "EIO=abc&transport=abc"}) {
    const auto error = rejected(query);
    EXPECT_EQ(error.code, RequestErrorCode::unknown_transport) << query;
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.message, "Transport unknown");
  }
}

// Code 1.
TEST(EngineIoRequest, SidOfAnotherShapeIsSessionIdUnknown) {
  for (const std::string_view query : {"EIO=4&transport=polling&sid=abc", "EIO=4&transport=polling&sid=../../etc",
                                       "EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC%00"}) {
    const auto error = rejected(query);
    EXPECT_EQ(error.code, RequestErrorCode::unknown_sid) << query;
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.message, "Session ID unknown");
  }
}

// Code 2.
TEST(EngineIoRequest, HandshakeNotSentAsGetIsBadHandshakeMethod) {
  for (const std::string_view method : {"POST", "PUT", "OPTIONS", "get"}) {
    const auto error = rejected("EIO=4&transport=polling", method);
    EXPECT_EQ(error.code, RequestErrorCode::bad_handshake_method) << method;
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.message, "Bad handshake method");
  }
}

// Code 3.
TEST(EngineIoRequest, MalformedEscapeIsBadRequest) {
  const auto error = rejected("EIO=4&transport=polling&x=%zz");
  EXPECT_EQ(error.code, RequestErrorCode::bad_request);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.message, "Bad request");
}

TEST(EngineIoRequest, RepeatedReservedKeyIsBadRequest) {
  EXPECT_EQ(rejected("EIO=4&transport=polling&transport=websocket").code, RequestErrorCode::bad_request);
  EXPECT_EQ(rejected("EIO=4&EIO=4&transport=polling").code, RequestErrorCode::bad_request);
}

TEST(EngineIoRequest, WebSocketTransportWithoutUpgradeIsBadRequest) {
  EXPECT_EQ(rejected("EIO=4&transport=websocket").code, RequestErrorCode::bad_request);
  EXPECT_EQ(rejected("EIO=4&transport=websocket&sid=" + std::string(kSid)).code, RequestErrorCode::bad_request);
}

TEST(EngineIoRequest, UpgradeOnPollingTransportIsBadRequest) {
  EXPECT_EQ(rejected("EIO=4&transport=polling", "GET", true).code, RequestErrorCode::bad_request);
}

TEST(EngineIoRequest, PollingWithSidAndOtherMethodIsBadRequest) {
  EXPECT_EQ(rejected("EIO=4&transport=polling&sid=" + std::string(kSid), "PUT").code, RequestErrorCode::bad_request);
}

TEST(EngineIoRequest, JsonpIsBadRequest) {
  EXPECT_EQ(rejected("EIO=4&transport=polling&j=0").code, RequestErrorCode::bad_request);
}

// Code 4 comes from the caller's own checks.
TEST(EngineIoRequest, ForbiddenIsA403WithOptionalReason) {
  const auto plain = make_request_error(RequestErrorCode::forbidden);
  EXPECT_EQ(plain.http_status, 403);
  EXPECT_EQ(plain.message, "Forbidden");
  EXPECT_EQ(make_request_error(RequestErrorCode::forbidden, "origin not allowed").message, "origin not allowed");
}

// Code 5.
TEST(EngineIoRequest, MissingOrOtherEioIsUnsupportedProtocolVersion) {
  for (const std::string_view query :
       {"transport=polling", "EIO=abc&transport=polling", "EIO=3&transport=polling", "EIO=&transport=polling",
        "EIO=04&transport=polling", "EIO=4 &transport=polling"}) {
    const auto error = rejected(query);
    EXPECT_EQ(error.code, RequestErrorCode::unsupported_protocol_version) << query;
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.message, "Unsupported protocol version");
  }
  EXPECT_EQ(rejected("EIO=3&transport=polling&sid=" + std::string(kSid)).code,
            RequestErrorCode::unsupported_protocol_version);
}

TEST(EngineIoRequest, ChecksRunInTheReferenceOrder) {
  // transport before sid, sid before method, method before version.
  EXPECT_EQ(rejected("transport=abc&sid=bad", "POST").code, RequestErrorCode::unknown_transport);
  EXPECT_EQ(rejected("transport=polling&sid=bad", "PUT").code, RequestErrorCode::unknown_sid);
  EXPECT_EQ(rejected("transport=polling", "POST").code, RequestErrorCode::bad_handshake_method);
}

TEST(EngineIoRequest, ErrorBodyIsTheReferenceJson) {
  EXPECT_EQ(render_error_body(make_request_error(RequestErrorCode::unknown_transport)),
            R"({"code":0,"message":"Transport unknown"})");
  EXPECT_EQ(render_error_body(make_request_error(RequestErrorCode::unsupported_protocol_version)),
            R"({"code":5,"message":"Unsupported protocol version"})");
  EXPECT_EQ(render_error_body(make_request_error(RequestErrorCode::forbidden, "say \"please\"")),
            R"({"code":4,"message":"say \"please\""})");
}

TEST(EngineIoRequest, ErrorCodesAreTheWireNumbers) {
  EXPECT_EQ(static_cast<int>(RequestErrorCode::unknown_transport), 0);
  EXPECT_EQ(static_cast<int>(RequestErrorCode::unknown_sid), 1);
  EXPECT_EQ(static_cast<int>(RequestErrorCode::bad_handshake_method), 2);
  EXPECT_EQ(static_cast<int>(RequestErrorCode::bad_request), 3);
  EXPECT_EQ(static_cast<int>(RequestErrorCode::forbidden), 4);
  EXPECT_EQ(static_cast<int>(RequestErrorCode::unsupported_protocol_version), 5);
}

}  // namespace
}  // namespace talkline::transport::engineio
