#include "blob/sha256_stream.hpp"

#include <cstdlib>

#include <openssl/evp.h>

namespace talkline::blob {

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  // Only an allocation failure can make these fail; there is nothing to carry on with then.
  if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(context_); }

void Sha256Stream::update(std::string_view bytes) {
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(context_, bytes.data(), bytes.size()) != 1) std::abort();
}

std::string Sha256Stream::finish_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, digest, &length) != 1) std::abort();
  if (EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) std::abort();
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

}  // namespace talkline::blob
