#include <string>

#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"
#include "transport/http/byte_range.hpp"
#include "transport/http/content_disposition.hpp"
#include "transport/http/entity_tag.hpp"

namespace talkline::api::v1 {

namespace {

using transport::http::RangeDecision;

// What a download serves: the upload's bytes, or its thumbnail's.
struct Served {
  std::string blob_key;
  std::uint64_t size = 0;
  std::string content_type;
  std::string etag;
  std::string file_name;
};

// Inline only for the image types the sniff check backed (never SVG: it is not among
// them), so a browser may preview them; everything else downloads.
bool shown_inline(std::string_view content_type) {
  return content_type == "image/png" || content_type == "image/jpeg" || content_type == "image/gif" ||
         content_type == "image/webp";
}

std::string disposition(const Served& served) {
  std::string value = transport::http::attachment_disposition(served.file_name);
  if (shown_inline(served.content_type)) value.replace(0, std::string_view("attachment").size(), "inline");
  return value;
}

// GET and HEAD, with a strong ETag from the content hash, If-None-Match (304), Range
// (206, or 416 when unsatisfiable) and If-Range. The bytes stream from the BlobStore on
// the worker pool, each GET under a slot of `slots` (503 when none is free: a HEAD
// streams nothing and needs none); a failure mid-stream closes the connection
// (message.hpp).
Response serve(services::UploadService& uploads, DownloadSlots* slots, const Request& request, const Served& served) {
  Response response;
  auto set_common = [&](Response& r) {
    r.headers.set("ETag", served.etag);
    // Revalidated on every use (a 304 costs one round trip): a cache must not go on
    // showing a file after its message is deleted or expired, or to a member who left.
    r.headers.set("Cache-Control", "private, no-cache");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set("Accept-Ranges", "bytes");
  };
  if (transport::http::if_none_match_matches(request.headers.get_all("If-None-Match"), served.etag)) {
    response = Response::empty(304);
    set_common(response);
    return response;
  }
  transport::http::ByteRange range{0, served.size};
  int status = 200;
  const auto range_header = request.header("Range");
  const auto if_range = request.header("If-Range");
  if (range_header && (!if_range || transport::http::if_range_matches(*if_range, served.etag))) {
    const RangeDecision decision = transport::http::evaluate_range(*range_header, served.size);
    if (decision.outcome == RangeDecision::Outcome::unsatisfiable) {
      response = error_from(Error::invalid("Range", "the range is outside the file"));
      response.status = 416;
      response.headers.set("Content-Range", transport::http::unsatisfied_range_value(served.size));
      set_common(response);
      return response;
    }
    if (decision.outcome == RangeDecision::Outcome::partial) {
      range = decision.range;
      status = 206;
    }
  }
  std::shared_ptr<void> slot;
  if (slots && request.method != "HEAD") {
    slot = slots->take();
    if (!slot) {
      response = error_from(Error::unavailable("too many downloads at once; try again shortly"));
      response.headers.set("Retry-After", "1");
      return response;
    }
  }
  blob::BlobStore* blobs = &uploads.blobs();
  response = Response::streamed(status, range.length,
                                [blobs, key = served.blob_key, range, slot](const transport::http::BodySink& sink) {
                                  auto read = blobs->read(key, range.offset, range.length, sink);
                                  return read.ok() && *read == range.length;
                                });
  if (status == 206) response.headers.set("Content-Range", transport::http::content_range_value(range, served.size));
  response.headers.set("Content-Type", served.content_type);
  response.headers.set("Content-Disposition", disposition(served));
  set_common(response);
  return response;
}

}  // namespace

void register_attachment_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* uploads = context.uploads;
  DownloadSlots* slots = context.downloads.get();

  auto file =
      authed_handler(auth, [uploads, slots](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "upload"));
        TL_TRY_ASSIGN(const auto upload, uploads->visible_upload(caller, id));
        return serve(*uploads, slots, request,
                     Served{upload.blob_key, upload.size, upload.content_type,
                            transport::http::strong_etag(upload.sha256), upload.file_name});
      });
  router.add("GET", "/api/v1/attachments/{id}", file);
  router.add("HEAD", "/api/v1/attachments/{id}", file);

  auto thumbnail =
      authed_handler(auth, [uploads, slots](Request& request, const services::Principal& caller) -> Result<Response> {
        TL_TRY_ASSIGN(const auto id, path_id(request, "id", "upload"));
        TL_TRY_ASSIGN(const auto upload, uploads->visible_upload(caller, id));
        if (!upload.thumbnail) return Error::not_found("thumbnail not found");
        const std::string stem = upload.file_name.empty() ? std::string("thumbnail") : upload.file_name;
        return serve(
            *uploads, slots, request,
            Served{upload.thumbnail->blob_key, upload.thumbnail->size, std::string(model::kThumbnailContentType),
                   transport::http::strong_etag(upload.sha256 + "-thumbnail"), stem + ".thumbnail.jpg"});
      });
  router.add("GET", "/api/v1/attachments/{id}/thumbnail", thumbnail);
  router.add("HEAD", "/api/v1/attachments/{id}/thumbnail", thumbnail);
}

}  // namespace talkline::api::v1
