#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Readers of what an S3 service answers: the few XML documents and header values the
// S3 store uses. They read network bytes, so each is strict (anything unexpected is
// nullopt), bounded (depth, element count) and free of Asio, so the fuzz target
// (tests/fuzz/fuzz_s3_reply.cpp) links this file alone. The XML reader takes the
// subset S3 writes: a declaration, elements, attributes, text and the five named and
// the numeric character references; comments, CDATA and DOCTYPE are refused.

namespace talkline::blob::s3 {

using TimePoint = std::chrono::system_clock::time_point;

/// An element of a parsed reply.
struct XmlElement {
  std::string name;
  std::string text;  // the character data directly inside, references decoded
  std::vector<XmlElement> children;

  /// The first child named `child_name`, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
};

/// The document's root element, or nullopt when `document` is not well-formed in the
/// subset above or exceeds the limits (depth 16, 100,000 elements).
std::optional<XmlElement> parse_xml(std::string_view document);

/// <Error><Code>…</Code><Message>…</Message></Error>: what S3 says went wrong.
struct ErrorReply {
  std::string code;
  std::string message;  // may be empty
};
/// The error of a document whose root is <Error> with a non-empty <Code>; nullopt for
/// any other document.
std::optional<ErrorReply> parse_error_reply(std::string_view document);

/// The <UploadId> of an <InitiateMultipartUploadResult>; nullopt when absent or empty.
std::optional<std::string> parse_upload_id(std::string_view document);

/// True when the document's root is <CompleteMultipartUploadResult> (S3 can answer
/// 200 with an <Error> document to a completion that failed).
bool is_complete_result(std::string_view document);

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  TimePoint modified;
};

/// One page of ListObjectsV2 (<ListBucketResult>).
struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // non-empty when truncated
};
/// nullopt unless every <Contents> has a non-empty Key, a Size and a LastModified,
/// IsTruncated is "true" or "false", and a truncated page has a NextContinuationToken.
std::optional<ListPage> parse_list_page(std::string_view document);

/// A decimal without sign or spaces that fits in 64 bits.
std::optional<std::uint64_t> parse_decimal(std::string_view text);

/// "2026-12-07T07:10:02.000Z" (ISO 8601 in UTC, fraction optional), as S3 writes
/// LastModified.
std::optional<TimePoint> parse_iso8601(std::string_view text);

/// "Mon, 07 Dec 2026 07:10:02 GMT" (the IMF-fixdate of RFC 9110), as in Last-Modified.
std::optional<TimePoint> parse_http_date(std::string_view text);

/// "bytes FIRST-LAST/TOTAL" of a Content-Range header, with FIRST <= LAST < TOTAL.
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t total = 0;
};
std::optional<ContentRange> parse_content_range(std::string_view text);

}  // namespace talkline::blob::s3
