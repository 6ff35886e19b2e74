// libFuzzer target for the attachment file name (transport/http/content_disposition):
// the name comes from the client and goes back out in a header, so the value must
// never be able to break the header or escape its quotes.
//
//   scripts/fuzz.sh 30 fuzz_content_disposition

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/http/content_disposition.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto name = safe_file_name(input);
  if (name.empty() || name.size() > kMaxFileNameBytes) std::abort();
  if (name.find_first_of(std::string_view("/\\\"\0\r\n", 6)) != std::string::npos) std::abort();
  // Idempotent: a safe name stays as it is.
  if (safe_file_name(name) != name) std::abort();

  auto value = attachment_disposition(input);
  constexpr std::string_view kPrefix = "attachment; filename=\"";
  if (!value.starts_with(kPrefix)) std::abort();
  // Printable ASCII only, and exactly the two quotes of the filename parameter.
  std::size_t quotes = 0;
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) std::abort();
    if (c == '"') ++quotes;
  }
  if (quotes != 2) std::abort();
  return 0;
}
