#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace talkline::transport::http {

/// Bytes [offset, offset + length) of a representation.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

/// What to answer to a `Range` request header (RFC 9110 §14.2).
struct RangeDecision {
  enum class Outcome {
    whole,          // no usable range: serve the whole representation with 200
    partial,        // serve `range` with 206 and Content-Range (content_range_value)
    unsatisfiable,  // 416 with `Content-Range: bytes */size` (unsatisfied_range_value)
  };
  Outcome outcome = Outcome::whole;
  ByteRange range;  // set when partial; never empty and within the size
};

/// Evaluates a `Range` header value against a representation of `size` bytes.
/// Understands one byte range: `bytes=a-b`, `bytes=a-` and `bytes=-n` (the unit is
/// case-insensitive, blanks around the range are allowed). A last position past the end
/// is cut to the end. `whole` for anything else: a malformed value, another unit, or
/// several ranges (RFC 9110 lets a server ignore Range; answering multipart/byteranges
/// is not worth its cost here). `unsatisfiable` when the first position is at or past
/// the end, or for a suffix of zero bytes. Pure; never throws.
RangeDecision evaluate_range(std::string_view header, std::uint64_t size);

/// `bytes <first>-<last>/<size>` for a 206.
std::string content_range_value(ByteRange range, std::uint64_t size);
/// `bytes */<size>` for a 416.
std::string unsatisfied_range_value(std::uint64_t size);

}  // namespace talkline::transport::http
