#include "transport/http/static_site.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>

#include "transport/http/entity_tag.hpp"
#include "transport/http/problem.hpp"
#include "transport/http/static_path.hpp"

namespace talkline::transport::http {

namespace fs = std::filesystem;

namespace {

std::string hex(std::uintmax_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  return out;
}

// Whether `path` lies inside `root`; both canonical, so `..` and links are resolved.
bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

bool is_html(std::string_view content_type) { return content_type.starts_with("text/html"); }

// Up to this size a file goes out as one body; above it, it streams through a buffer of
// this size, so a slow client holds at most this much of it in the server (plus what the
// connection queues) however large the file.
constexpr std::uintmax_t kChunkBytes = 64U << 10;

// A descriptor shared with a streamed answer's producer: the file stays open until its
// last byte is sent, and a release that replaces the file (a rename) meanwhile does not
// change what this answer sends.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Fills `out` from `offset`; false when the file ends first or a read fails.
bool read_exactly(int fd, std::uint64_t offset, char* out, std::size_t length) {
  std::size_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

// Opens `file` and returns it only when it still has `size` bytes: a file rewritten since
// it was looked at is missed once rather than sent half-new.
std::shared_ptr<OpenFile> open_sized(const fs::path& file, std::uintmax_t size) {
  auto open = std::make_shared<OpenFile>(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (open->fd() < 0 || ::fstat(open->fd(), &info) != 0 || static_cast<std::uintmax_t>(info.st_size) != size) {
    return nullptr;
  }
  return open;
}

}  // namespace

Result<StaticSite> StaticSite::open(Options options) {
  std::error_code ec;
  auto root = fs::canonical(options.root, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return Error::invalid("root", options.root.string() + " is not a directory");
  }
  options.root = std::move(root);
  return StaticSite(std::move(options));
}

Response StaticSite::not_found(const Request& request) const {
  return problem_response(404, "not_found", status_title(404), "no route for " + request.path);
}

// Every check happens on this request's own view of the disk: a file replaced or a link
// added since start is judged afresh, so nothing outside the root can be reached by
// changing the directory under a running server.
Response StaticSite::serve(const Request& request) const {
  std::string_view below = request.path;
  if (!below.starts_with(options_.prefix)) return not_found(request);
  below.remove_prefix(options_.prefix.size());
  const auto relative = static_relative_path(below);
  if (!relative) return not_found(request);

  std::error_code ec;
  const auto file = fs::canonical(options_.root / *relative, ec);
  if (ec || !is_within(options_.root, file) || !fs::is_regular_file(file, ec)) return not_found(request);
  const auto size = fs::file_size(file, ec);
  if (ec || size > options_.max_file_bytes) return not_found(request);
  const auto modified = fs::last_write_time(file, ec);
  if (ec) return not_found(request);

  const auto ticks = static_cast<std::uintmax_t>(modified.time_since_epoch().count());
  const std::string etag = strong_etag(hex(size) + "-" + hex(ticks));
  const auto content_type = static_content_type(*relative);
  auto set_common = [&](Response& response) {
    response.headers.set("ETag", etag);
    response.headers.set("Cache-Control", is_html(content_type)
                                              ? std::string("no-cache")
                                              : "public, max-age=" + std::to_string(options_.max_age_seconds));
    if (!options_.content_security_policy.empty()) {
      response.headers.set("Content-Security-Policy", options_.content_security_policy);
    }
  };

  if (if_none_match_matches(request.headers.get_all("If-None-Match"), etag)) {
    auto response = Response::empty(304);
    set_common(response);
    return response;
  }
  Response response;
  if (request.method == "HEAD") {
    // Only the length goes on the wire; the producer of a HEAD answer never runs.
    response = Response::streamed(200, size, [](const BodySink&) { return false; });
  } else {
    auto open = open_sized(file, size);
    if (!open) return not_found(request);
    if (size <= kChunkBytes) {
      response.body.resize(static_cast<std::size_t>(size));
      if (!read_exactly(open->fd(), 0, response.body.data(), response.body.size())) return not_found(request);
    } else {
      // A file cut short in place after the header went out fails the producer, which
      // closes the connection: the client sees an unfinished answer, not a finished one.
      response = Response::streamed(200, size, [open = std::move(open), size](const BodySink& sink) {
        std::string buffer(static_cast<std::size_t>(kChunkBytes), '\0');
        for (std::uint64_t sent = 0; sent < size;) {
          const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(size - sent, buffer.size()));
          if (!read_exactly(open->fd(), sent, buffer.data(), length)) return false;
          if (!sink(std::string_view(buffer.data(), length))) return false;
          sent += length;
        }
        return true;
      });
    }
  }
  response.status = 200;
  response.headers.set("Content-Type", std::string(content_type));
  set_common(response);
  return response;
}

}  // namespace talkline::transport::http
