#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace talkline::util {

/// `count` bytes from the OS CSPRNG (OpenSSL RAND_bytes). Aborts if it fails.
std::string random_bytes(std::size_t count);
/// Random bytes rendered as unpadded base64url; used for opaque tokens.
std::string random_token(std::size_t bytes = 32);

std::string sha256_hex(std::string_view data);
/// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Compares without an early exit, so timing reveals nothing about the content.
bool constant_time_equal(std::string_view a, std::string_view b);

/// Unpadded base64url (RFC 4648 §5).
std::string base64url_encode(std::string_view data);
/// Strict: rejects padding, whitespace and characters outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace talkline::util
