#pragma once

#include <filesystem>
#include <string>

#include "transport/http/message.hpp"
#include "util/result.hpp"

namespace talkline::transport::http {

/// Serves the files of one directory under a URL prefix (the web client at `/`, the
/// API explorer at `/api/v1/docs/`). GET and HEAD only; the router sends them here only
/// when no API route matched.
///
/// Each answer carries a strong ETag made from the file's size and modification time
/// (If-None-Match gives 304), `Cache-Control: no-cache` for HTML, so a new release is
/// picked up on the next load, and `max-age` for everything else, and the configured
/// Content-Security-Policy. A path that may not name a file (static_path.hpp), a file
/// that is missing, a directory, or a symbolic link leading out of the directory is a
/// 404 problem, the same as for any unknown URL. A file of up to 64 KiB is read whole
/// into the answer; a larger one streams from disk through a 64 KiB buffer while the
/// client reads it, so a slow client never holds a whole large file in memory.
///
/// Thread-safety: immutable after open(); serve() runs on any worker thread at once.
class StaticSite {
 public:
  struct Options {
    std::filesystem::path root;
    std::string prefix;  // the URL prefix, ending in '/'
    int max_age_seconds = 300;
    std::string content_security_policy;
    /// Largest file served; bigger ones are a 404. Large files stream, so this bounds
    /// what the site may send, not the memory an answer takes: the directories hold a
    /// web client and Swagger UI (whose largest file is about 1.5 MB), not downloads.
    std::uintmax_t max_file_bytes = 16U << 20;
  };

  /// Fails when the root is not a readable directory.
  static Result<StaticSite> open(Options options);

  /// The answer for a GET or HEAD whose decoded path starts with the prefix. Blocks on
  /// the file system: call it on the worker pool. Never throws.
  Response serve(const Request& request) const;

 private:
  explicit StaticSite(Options options) : options_(std::move(options)) {}
  Response not_found(const Request& request) const;

  Options options_;  // root is canonical
};

}  // namespace talkline::transport::http
