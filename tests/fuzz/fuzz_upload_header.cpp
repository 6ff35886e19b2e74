// libFuzzer target for the request headers of an upload (transport/http/upload_header):
// a Content-Disposition and a Content-Type straight from the client.
//
//   scripts/fuzz.sh 30 fuzz_upload_header

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/http/content_disposition.hpp"
#include "transport/http/upload_header.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto name = disposition_file_name(input)) {
    if (name->empty()) std::abort();
    // Whatever the client sent, what is kept of it is a safe name.
    const std::string safe = safe_file_name(*name);
    if (safe.empty() || safe.find_first_of(std::string_view("/\\\"\0\r\n", 6)) != std::string::npos) std::abort();
  }

  const std::string type = declared_media_type(input);
  if (!type.empty()) {
    const auto slash = type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == type.size()) std::abort();
    if (type.find('/', slash + 1) != std::string::npos) std::abort();
    for (char c : type) {
      if (c >= 'A' && c <= 'Z') std::abort();
      if (c == ';' || c == ' ' || c == '"' || static_cast<unsigned char>(c) < 0x21) std::abort();
    }
    // Idempotent: a parsed type parses to itself.
    if (declared_media_type(type) != type) std::abort();
  }
  return 0;
}
