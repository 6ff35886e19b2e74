#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace talkline::blob {

/// SHA-256 over content that arrives in pieces (OpenSSL EVP). One owner at a time.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void update(std::string_view bytes);
  /// The digest of everything updated so far, lower-case hex; the stream then starts over.
  std::string finish_hex();

 private:
  evp_md_ctx_st* context_;
};

/// Lower-case hex of raw bytes.
std::string to_hex(std::string_view bytes);

}  // namespace talkline::blob
