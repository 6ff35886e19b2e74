#include "transport/http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace talkline::transport::http {

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

std::string generate_request_id() {
  // One generator per thread avoids a lock on every request.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  constexpr char kDigits[] = "0123456789abcdef";
  std::uint64_t bits = generator();
  std::string id(16, '0');
  for (auto& c : id) {
    c = kDigits[bits & 0xF];
    bits >>= 4;
  }
  return id;
}

}  // namespace talkline::transport::http
