#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace talkline::services {

/// A JPEG made from an image.
struct ThumbnailImage {
  std::string jpeg;
  int width = 0;
  int height = 0;
};

/// Makes thumbnails of uploaded images (media/vips_thumbnailer.hpp is the one backend).
/// Threads: make() is called from HTTP worker threads, several at once.
class Thumbnailer {
 public:
  virtual ~Thumbnailer() = default;
  /// A JPEG of `image` (PNG, JPEG, GIF or WebP bytes) no larger than the configured side.
  /// `invalid_argument` for bytes it cannot decode or an image past the configured pixel
  /// count; callers store the upload without a thumbnail then.
  virtual Result<ThumbnailImage> make(std::string_view image) = 0;
};

}  // namespace talkline::services
