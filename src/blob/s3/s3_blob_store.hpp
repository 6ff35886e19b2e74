#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "blob/blob_store.hpp"
#include "blob/s3/http_client.hpp"

namespace talkline::blob::s3 {

struct S3Options {
  /// The service's URL, e.g. "https://s3.eu-west-1.amazonaws.com" or
  /// "http://127.0.0.1:9000"; requests are path-style: <endpoint>/<bucket>/<key>.
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  /// Put before every key in the bucket ("" or e.g. "talkline/"), so a bucket can be shared.
  std::string key_prefix;
  /// Bytes per part of a multipart upload, and the most a writer holds in memory.
  /// AWS refuses parts under 5 MiB (all but the last), so keep it at least that there.
  std::size_t part_size = 8 * 1024 * 1024;
  /// PEM file of CAs to trust for an https endpoint, besides the system's.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds io_timeout{30'000};
  /// Tries of one request that failed for the service's sake (5xx, no connection).
  int max_attempts = 3;
  /// Keys per ListObjectsV2 page (max-keys; S3 returns at most 1,000).
  std::size_t list_page_size = 1000;
};

/// Smallest part_size accepted.
inline constexpr std::size_t kMinPartSize = 64 * 1024;
/// S3 numbers the parts of an upload 1 to 10,000.
inline constexpr std::size_t kMaxParts = 10'000;

/// Blobs as objects of an S3 bucket (AWS or any service that speaks its REST API with
/// Signature V4), over HTTP or HTTPS.
///
/// - A write holds at most one part in memory. A blob that fits in one part is one PUT
///   when finished; a larger one becomes a multipart upload (initiated when the first
///   part is full, completed by finish()), so nothing is visible before finish().
/// - read() asks HEAD for the size and ETag, then GET with a Range and If-Match, so a
///   blob replaced between the two is noticed (and the read starts over) instead of
///   mixing two versions. The body streams to the sink 256 KiB at a time; an answer
///   wider than the range (a service ignoring Range) is cut to it.
/// - remove() is DELETE, stat() is HEAD, list() is ListObjectsV2.
/// - Requests that fail for the service's sake (5xx, a refused or dropped connection)
///   are tried up to max_attempts times with a short backoff, unless bytes of the body
///   already reached the caller.
///
/// Weaker than a reader may assume:
/// - HEAD answers carry no body, so for stat() and read() a missing bucket looks like a
///   missing key (not_found); writes and listings say NoSuchBucket (unavailable).
/// - A completion whose answer is lost (the connection drops after the request went
///   out) is not sent again: finish() says unavailable although S3 may have stored
///   the blob.
///
/// Threads: as BlobStore says. The store owns one HttpClient (a pool of keep-alive
/// connections) that every call shares.
class S3BlobStore final : public BlobStore {
 public:
  /// Checks the options (no I/O); invalid_argument names the bad one.
  static Result<std::unique_ptr<S3BlobStore>> open(S3Options options);

  Result<std::unique_ptr<BlobWriter>> open_writer(std::string_view key) override;
  Result<std::uint64_t> read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                             const ChunkSink& sink) override;
  Result<BlobStat> stat(std::string_view key) override;
  Result<void> remove(std::string_view key) override;
  Result<void> list(std::string_view prefix, const EntryVisitor& visit) override;
  Result<std::size_t> remove_abandoned_writes(Clock::time_point cutoff) override;

  const S3Options& options() const { return options_; }

  /// One request to the bucket, signed. For the writer and the store's methods.
  struct Call {
    std::string method;
    std::string key;  // the object's key in the bucket (prefix included); "" for the bucket itself
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;  // signed as well
    std::string_view body;
    std::string payload_sha256;  // of body; computed when empty
  };
  HttpOutcome send(const Call& call, const BodySink* sink = nullptr, const AnswerCheck* check = nullptr);

 private:
  S3BlobStore(S3Options options, EndpointUrl endpoint);

  struct Head {
    BlobStat stat;
    std::string etag;
  };
  Result<Head> head(std::string_view key);
  std::string object_key(std::string_view key) const { return options_.key_prefix + std::string(key); }

  const S3Options options_;
  const EndpointUrl endpoint_;
  HttpClient http_;
};

}  // namespace talkline::blob::s3
