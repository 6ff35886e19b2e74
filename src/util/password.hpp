#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace talkline::util {

/// argon2id cost. Defaults follow the OWASP minimum (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

/// An encoded argon2id hash (`$argon2id$v=19$m=...`) with a random 16-byte salt.
std::string password_hash(std::string_view password, const Argon2Params& params);
/// True when `password` matches `encoded`; false for a mismatch or a malformed hash.
bool password_verify(std::string_view encoded, std::string_view password);

}  // namespace talkline::util
