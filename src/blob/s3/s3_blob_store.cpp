#include "blob/s3/s3_blob_store.hpp"

#include <algorithm>
#include <thread>

#include "blob/blob_key.hpp"
#include "blob/s3/s3_reply.hpp"
#include "blob/s3/sigv4.hpp"
#include "blob/sha256_stream.hpp"
#include "util/crypto.hpp"

namespace talkline::blob::s3 {

namespace {

// SHA-256 of nothing: the payload hash of a request without a body.
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Reads that find the blob replaced between HEAD and GET start over this often.
constexpr int kReadTries = 3;

bool is_success(const HttpOutcome& outcome) {
  return outcome.response && outcome.response->status >= 200 && outcome.response->status < 300 &&
         outcome.failure.empty();
}

// A 2xx answer, whether or not its body was read to the end.
bool is_success_status(const HttpOutcome& outcome) {
  return outcome.response && outcome.response->status >= 200 && outcome.response->status < 300;
}

int status_of(const HttpOutcome& outcome) { return outcome.response ? outcome.response->status : 0; }

// Why a request did not succeed, as an unavailable Error: the transport failure, or
// the status with S3's error code and message when the body has them.
Error failure(const HttpOutcome& outcome, std::string_view what) {
  std::string message = "S3 " + std::string(what) + ": ";
  if (!outcome.response) return Error::unavailable(message + outcome.failure);
  message += "HTTP " + std::to_string(outcome.response->status);
  if (const auto reply = parse_error_reply(outcome.response->body)) {
    message += " " + reply->code;
    if (!reply->message.empty()) message += " (" + reply->message + ")";
  }
  if (!outcome.failure.empty()) message += "; " + outcome.failure;
  return Error::unavailable(message);
}

// The error of a failed request on one object: a 404 for the key is not_found; a 404
// for the bucket (NoSuchBucket) is the service unable to serve.
Error object_failure(const HttpOutcome& outcome, std::string_view what, std::string_view key) {
  if (status_of(outcome) == 404) {
    const auto reply = outcome.response->body.empty() ? std::nullopt : parse_error_reply(outcome.response->body);
    if (!reply || reply->code == "NoSuchKey") return Error::not_found("blob " + std::string(key));
  }
  return failure(outcome, what);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// A write: one part buffered at a time. The first part is only sent once a byte past
// it arrives, so a blob of at most one part is one PUT at finish().
class S3BlobWriter final : public BlobWriter {
 public:
  S3BlobWriter(S3BlobStore& store, std::string object_key)
      : store_(store), object_key_(std::move(object_key)), part_size_(store.options().part_size) {}
  ~S3BlobWriter() override { abort(); }
  S3BlobWriter(const S3BlobWriter&) = delete;
  S3BlobWriter& operator=(const S3BlobWriter&) = delete;

  Result<void> append(std::string_view chunk) override {
    if (spent_) return Error::internal("blob writer: append after finish, abort or a failure");
    whole_.update(chunk);
    size_ += chunk.size();
    while (!chunk.empty()) {
      if (part_.size() == part_size_) {
        if (auto sent = send_part(); !sent) {
          abort();
          return sent;
        }
      }
      const std::size_t take = std::min(chunk.size(), part_size_ - part_.size());
      // Grown by doubling as usual, but never past one part: a small blob costs little
      // and a large one holds exactly part_size.
      if (part_.size() + take > part_.capacity()) {
        part_.reserve(std::min(part_size_, std::max(part_.size() + take, 2 * part_.capacity())));
      }
      part_.append(chunk.substr(0, take));
      chunk.remove_prefix(take);
    }
    return ok_result();
  }

  Result<BlobInfo> finish() override {
    if (spent_) return Error::internal("blob writer: finish after finish, abort or a failure");
    BlobInfo info{size_, whole_.finish_hex()};
    auto stored = upload_id_.empty() ? put_whole(info.sha256_hex) : complete();
    if (!stored) {
      abort();
      return stored.take_error();
    }
    spent_ = true;
    release();
    return info;
  }

  void abort() override {
    if (spent_) return;
    spent_ = true;
    release();
    if (upload_id_.empty()) return;
    // Best effort: some services do not implement it, and the parts of an upload never
    // completed are invisible under the key either way.
    S3BlobStore::Call call{"DELETE", object_key_, {{"uploadId", upload_id_}}, {}, {}, {}};
    (void)store_.send(call);
  }

 private:
  Result<void> put_whole(const std::string& sha256) {
    S3BlobStore::Call call{"PUT", object_key_, {}, {}, part_, sha256};
    const auto outcome = store_.send(call);
    if (!is_success(outcome)) return failure(outcome, "PUT " + object_key_);
    return ok_result();
  }

  Result<void> initiate() {
    S3BlobStore::Call call{"POST", object_key_, {{"uploads", ""}}, {}, {}, {}};
    const auto outcome = store_.send(call);
    if (!is_success(outcome)) return failure(outcome, "initiate upload of " + object_key_);
    auto id = parse_upload_id(outcome.response->body);
    if (!id) return Error::unavailable("S3 initiate upload of " + object_key_ + ": no UploadId in the answer");
    upload_id_ = std::move(*id);
    return ok_result();
  }

  Result<void> send_part() {
    if (upload_id_.empty()) TL_TRY(initiate());
    if (etags_.size() == kMaxParts) {
      return Error{ErrorCode::payload_too_large, "blob is larger than 10,000 parts of the configured part size", {}, 0};
    }
    const std::string number = std::to_string(etags_.size() + 1);
    S3BlobStore::Call call{"PUT", object_key_, {{"partNumber", number}, {"uploadId", upload_id_}}, {}, part_, {}};
    const auto outcome = store_.send(call);
    if (!is_success(outcome)) return failure(outcome, "upload part " + number + " of " + object_key_);
    std::string etag = outcome.response->header("ETag");
    if (etag.empty()) return Error::unavailable("S3 upload part " + number + " of " + object_key_ + ": no ETag");
    etags_.push_back(std::move(etag));
    part_.clear();
    return ok_result();
  }

  Result<void> complete() {
    if (!part_.empty()) TL_TRY(send_part());
    std::string body = "<CompleteMultipartUpload>";
    for (std::size_t i = 0; i < etags_.size(); ++i) {
      body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escape(etags_[i]) +
              "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    S3BlobStore::Call call{"POST", object_key_, {{"uploadId", upload_id_}}, {}, body, {}};
    const auto outcome = store_.send(call);
    // S3 may answer 200 and still fail: the body is then an <Error>.
    if (!is_success(outcome) || !is_complete_result(outcome.response->body)) {
      return failure(outcome, "complete upload of " + object_key_);
    }
    upload_id_.clear();  // done: abort() must not touch it
    return ok_result();
  }

  void release() { std::string().swap(part_); }

  S3BlobStore& store_;
  const std::string object_key_;
  const std::size_t part_size_;
  std::string part_;
  Sha256Stream whole_;
  std::uint64_t size_ = 0;
  std::string upload_id_;
  std::vector<std::string> etags_;
  bool spent_ = false;
};

}  // namespace

S3BlobStore::S3BlobStore(S3Options options, EndpointUrl endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      http_(HttpClientOptions{endpoint_, options_.connect_timeout, options_.io_timeout, options_.ca_file}) {}

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::open(S3Options options) {
  TL_TRY_ASSIGN(auto endpoint, parse_endpoint_url(options.endpoint, "endpoint"));
  const auto& bucket = options.bucket;
  if (bucket.size() < 3 || bucket.size() > 63 ||
      bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
    return Error::invalid("bucket", "must be 3 to 63 of a-z 0-9 . -");
  }
  if (options.region.empty()) return Error::invalid("region", "is empty");
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    return Error::invalid("access_key_id", "and secret_access_key are both required");
  }
  if (auto prefix = check_prefix(options.key_prefix); !prefix) return Error::invalid("key_prefix", "bad characters");
  if (options.part_size < kMinPartSize) {
    return Error::invalid("part_size", "must be at least " + std::to_string(kMinPartSize) + " bytes");
  }
  if (options.max_attempts < 1) return Error::invalid("max_attempts", "must be at least 1");
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return Error::invalid("list_page_size", "must be 1 to 1000");
  }
  if (!options.ca_file.empty() && !endpoint.tls) return Error::invalid("ca_file", "is only for an https endpoint");
  try {
    return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(options), std::move(endpoint)));
  } catch (const std::exception& e) {  // the CA file could not be loaded
    return Error::invalid("ca_file", e.what());
  }
}

// Signs and sends one request, again after a failure that was the service's (5xx,
// no connection), with 50, 200, 800 ms … between tries. A POST that may have reached
// the service is tried again only after a 5xx answer, which says it did nothing.
HttpOutcome S3BlobStore::send(const Call& call, const BodySink* sink, const AnswerCheck* check) {
  std::string path = endpoint_.base_path + "/" + options_.bucket;
  if (!call.key.empty()) path += "/" + uri_encode(call.key, false);
  const std::string query = canonical_query(call.query);
  const std::string payload_sha256 = !call.payload_sha256.empty() ? call.payload_sha256
                                     : call.body.empty()          ? std::string(kEmptySha256)
                                                                  : util::sha256_hex(call.body);
  const Credentials credentials{options_.access_key_id, options_.secret_access_key, options_.region, "s3"};

  HttpOutcome outcome;
  auto backoff = std::chrono::milliseconds(50);
  for (int attempt = 1;; ++attempt) {
    const std::string now = amz_date(std::chrono::system_clock::now());
    SigningRequest signing{call.method, path, call.query, call.headers, payload_sha256};
    signing.headers.emplace_back("host", endpoint_.host_header);
    signing.headers.emplace_back("x-amz-content-sha256", payload_sha256);
    signing.headers.emplace_back("x-amz-date", now);
    const Signature signature = sign(signing, credentials, now);

    HttpRequest request{call.method, query.empty() ? path : path + "?" + query, call.headers, call.body};
    request.headers.emplace_back("x-amz-content-sha256", payload_sha256);
    request.headers.emplace_back("x-amz-date", now);
    request.headers.emplace_back("Authorization", signature.authorization);
    outcome = http_.send(request, sink, check);

    const int status = status_of(outcome);
    const bool answered_ok = outcome.response && status < 500 && outcome.failure.empty();
    const bool may_repeat = !outcome.body_started && (status >= 500 || call.method != "POST" || !outcome.request_sent);
    if (answered_ok || !may_repeat || attempt >= options_.max_attempts) return outcome;
    // A 2xx whose body broke off before reaching the caller is worth another try too.
    std::this_thread::sleep_for(backoff);
    backoff *= 4;
  }
}

Result<std::unique_ptr<BlobWriter>> S3BlobStore::open_writer(std::string_view key) {
  TL_TRY(check_key(key));
  return std::unique_ptr<BlobWriter>(new S3BlobWriter(*this, object_key(key)));
}

Result<S3BlobStore::Head> S3BlobStore::head(std::string_view key) {
  const auto outcome = send(Call{"HEAD", object_key(key), {}, {}, {}, {}});
  if (!is_success(outcome)) return object_failure(outcome, "HEAD " + object_key(key), key);
  const auto& response = *outcome.response;
  const auto size = parse_decimal(response.header("Content-Length"));
  const auto modified = parse_http_date(response.header("Last-Modified"));
  if (!size || !modified) {
    return Error::unavailable("S3 HEAD " + object_key(key) + ": no valid Content-Length and Last-Modified");
  }
  return Head{BlobStat{*size, *modified}, response.header("ETag")};
}

Result<BlobStat> S3BlobStore::stat(std::string_view key) {
  TL_TRY(check_key(key));
  TL_TRY_ASSIGN(auto found, head(key));
  return found.stat;
}

// HEAD for the size and ETag, then one GET of the range. The answer's bytes are handed
// over only when they come from the version HEAD saw and start at or before the asked
// offset: the exact 206 S3 sends, or a wider one (some services answer bytes=0-0 with
// the whole blob), or a 200 of the whole blob from a service that ignores Range. Bytes
// before the offset are skipped and the read stops once the range is delivered.
Result<std::uint64_t> S3BlobStore::read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                                        const ChunkSink& sink) {
  TL_TRY(check_key(key));
  for (int attempt = 1;; ++attempt) {
    TL_TRY_ASSIGN(auto found, head(key));
    const std::uint64_t size = found.stat.size;
    if (offset > size) return Error::invalid("offset", "is past the end of the blob");
    const std::uint64_t wanted = std::min(length, size - offset);
    if (wanted == 0) return std::uint64_t{0};
    const std::uint64_t last = offset + wanted - 1;

    Call call{"GET", object_key(key), {}, {}, {}, {}};
    call.headers.emplace_back("range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    if (!found.etag.empty()) call.headers.emplace_back("if-match", found.etag);
    bool changed = false;
    std::uint64_t skip = 0;  // bytes of the answer before `offset`
    const AnswerCheck check = [&](const HttpResponse& answer) {
      if (answer.status == 206) {
        const auto range = parse_content_range(answer.header("Content-Range"));
        changed = !range || range->total != size || range->first > offset || range->last < last;
        if (!changed) skip = offset - range->first;
      } else {
        changed = parse_decimal(answer.header("Content-Length")) != size;
        skip = offset;
      }
      return !changed;
    };
    std::uint64_t delivered = 0;
    bool stopped = false;  // by the caller's sink
    const BodySink body = [&](std::string_view chunk) {
      const auto skipped = static_cast<std::size_t>(std::min<std::uint64_t>(skip, chunk.size()));
      skip -= skipped;
      chunk.remove_prefix(skipped);
      chunk = chunk.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), wanted - delivered)));
      if (!chunk.empty()) {
        delivered += chunk.size();
        stopped = !sink(chunk);
      }
      return !stopped && delivered < wanted;
    };
    const auto outcome = send(call, &body, &check);
    const int status = status_of(outcome);
    // 412: If-Match failed, 416: the blob shrank; either way it was replaced meanwhile.
    if (changed || status == 412 || status == 416) {
      if (attempt >= kReadTries) return Error::unavailable("S3 GET " + object_key(key) + ": replaced while read");
      continue;
    }
    if (stopped || (delivered == wanted && is_success_status(outcome))) return delivered;
    if (!is_success(outcome)) return object_failure(outcome, "GET " + object_key(key), key);
    return Error::unavailable("S3 GET " + object_key(key) + ": " + std::to_string(delivered) + " bytes of " +
                              std::to_string(wanted));
  }
}

Result<void> S3BlobStore::remove(std::string_view key) {
  TL_TRY(check_key(key));
  const auto outcome = send(Call{"DELETE", object_key(key), {}, {}, {}, {}});
  if (is_success(outcome) || status_of(outcome) == 404) return ok_result();
  return object_failure(outcome, "DELETE " + object_key(key), key);
}

Result<void> S3BlobStore::list(std::string_view prefix, const EntryVisitor& visit) {
  TL_TRY(check_prefix(prefix));
  std::string token;
  while (true) {
    Call call{
        "GET",
        "",
        {{"list-type", "2"}, {"prefix", object_key(prefix)}, {"max-keys", std::to_string(options_.list_page_size)}},
        {},
        {},
        {}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    const auto outcome = send(call);
    if (!is_success(outcome)) return failure(outcome, "list " + object_key(prefix));
    auto page = parse_list_page(outcome.response->body);
    if (!page) return Error::unavailable("S3 list " + object_key(prefix) + ": an answer that is not a listing");
    for (auto& object : page->objects) {
      // Objects under the prefix that are not keys of this store (put there by other
      // means) are not shown.
      if (!object.key.starts_with(options_.key_prefix)) continue;
      std::string key = object.key.substr(options_.key_prefix.size());
      if (!check_key(key).ok()) continue;
      if (!visit(BlobEntry{std::move(key), BlobStat{object.size, object.modified}})) return ok_result();
    }
    if (!page->truncated) return ok_result();
    token = std::move(page->next_token);
  }
}

Result<std::size_t> S3BlobStore::remove_abandoned_writes(Clock::time_point) { return std::size_t{0}; }

}  // namespace talkline::blob::s3
