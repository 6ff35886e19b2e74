#pragma once

#include <cstdint>
#include <memory>

#include "services/thumbnailer.hpp"
#include "util/result.hpp"

namespace talkline::media {

/// Thumbnails with libvips: decode with shrink-on-load, fit the long side into
/// `max_side`, flatten any alpha onto white, save as a JPEG without metadata.
///
/// libvips is process-wide: start() initialises it once, with one worker thread per
/// image pipeline (vips_concurrency_set(1): the HTTP worker pool already bounds how many
/// run at once, and libvips would otherwise start a thread per core for each) and a small
/// operation cache; the destructor shuts it down. Make at most one at a time.
/// Threads: make() from any number of threads at once.
class VipsThumbnailer final : public services::Thumbnailer {
 public:
  static Result<std::unique_ptr<VipsThumbnailer>> start(int max_side, std::uint64_t max_source_pixels);
  ~VipsThumbnailer() override;
  VipsThumbnailer(const VipsThumbnailer&) = delete;
  VipsThumbnailer& operator=(const VipsThumbnailer&) = delete;

  Result<services::ThumbnailImage> make(std::string_view image) override;

 private:
  VipsThumbnailer(int max_side, std::uint64_t max_source_pixels)
      : max_side_(max_side), max_source_pixels_(max_source_pixels) {}

  const int max_side_;
  const std::uint64_t max_source_pixels_;
};

}  // namespace talkline::media
