#include "util/password.hpp"

#include <argon2.h>

#include <charconv>
#include <stdexcept>

#include "util/crypto.hpp"

namespace talkline::util {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

// Upper bounds on the cost a stored hash may ask for. A corrupted or hostile row must
// not be able to make one verification allocate gigabytes or spin for minutes.
constexpr std::uint32_t kMaxMemoryKib = 4U * 1024 * 1024;
constexpr std::uint32_t kMaxIterations = 64;
constexpr std::uint32_t kMaxParallelism = 64;

bool read_number(std::string_view& text, std::string_view prefix, std::uint32_t& out) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end == text.data()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

// Reads the cost parameters of `$argon2id$v=19$m=..,t=..,p=..$...` so they can be
// bounded before libargon2 acts on them; the rest of the format is its business.
bool cost_is_acceptable(std::string_view encoded) {
  std::uint32_t version = 0;
  std::uint32_t memory = 0;
  std::uint32_t iterations = 0;
  std::uint32_t parallelism = 0;
  if (!read_number(encoded, "$argon2id$v=", version) || !read_number(encoded, "$m=", memory) ||
      !read_number(encoded, ",t=", iterations) || !read_number(encoded, ",p=", parallelism)) {
    return false;
  }
  return version == ARGON2_VERSION_13 && memory <= kMaxMemoryKib && iterations >= 1 && iterations <= kMaxIterations &&
         parallelism >= 1 && parallelism <= kMaxParallelism;
}

}  // namespace

std::string password_hash(std::string_view password, const Argon2Params& params) {
  const std::string salt = random_bytes(kSaltBytes);
  const std::size_t encoded_length =
      argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encoded_length, '\0');
  const int rc =
      argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::invalid_argument(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  if (const auto end = encoded.find('\0'); end != std::string::npos) encoded.resize(end);
  return encoded;
}

bool password_verify(std::string_view encoded, std::string_view password) {
  if (encoded.find('\0') != std::string_view::npos || !cost_is_acceptable(encoded)) return false;
  const std::string c_encoded(encoded);
  return argon2id_verify(c_encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace talkline::util
