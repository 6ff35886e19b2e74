#include "transport/http/bearer_token.hpp"

#include <cctype>
#include <string>

namespace talkline::transport::http {

Result<std::string_view> bearer_token(const Request& request) {
  const auto header = request.header("Authorization");
  if (!header) return Error::unauthenticated("missing bearer token");
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size()) return Error::unauthenticated("malformed Authorization header");
  std::string scheme(header->substr(0, kScheme.size()));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return Error::unauthenticated("Authorization must use the Bearer scheme");
  return header->substr(kScheme.size());
}

}  // namespace talkline::transport::http
