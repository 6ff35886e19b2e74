// libFuzzer target for content sniffing and the declared-type check
// (transport/http/content_sniffer): uploaded bytes and a client's Content-Type.
//
//   scripts/fuzz.sh 30 fuzz_content_sniff

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http/content_sniffer.hpp"

using namespace talkline::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto sniffed = sniff_media_type(input);
  if (sniffed.empty() || sniffed.find('/') == std::string_view::npos) std::abort();
  // Only the first kSniffBytes count.
  if (sniff_media_type(input.substr(0, kSniffBytes)) != sniffed) std::abort();
  // Whatever was sniffed, its own type and a declared octet-stream match it.
  if (!declared_matches_sniffed(sniffed, sniffed)) std::abort();
  if (!declared_matches_sniffed("application/octet-stream", sniffed)) std::abort();

  // The input as a declared type, up to the first NUL.
  auto declared = input.substr(0, input.find('\0'));
  (void)declared_matches_sniffed(declared, sniffed);
  (void)declared_matches_sniffed(declared, "application/octet-stream");
  return 0;
}
