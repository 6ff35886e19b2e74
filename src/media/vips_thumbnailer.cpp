#include "media/vips_thumbnailer.hpp"

#include <vips/vips.h>

#include <string>

namespace talkline::media {

namespace {

// Each call owns its images; this releases one whatever way the call ends.
struct ImageRef {
  VipsImage* image = nullptr;
  ImageRef() = default;
  ImageRef(const ImageRef&) = delete;
  ImageRef& operator=(const ImageRef&) = delete;
  ~ImageRef() {
    if (image) g_object_unref(image);
  }
};

// The op cache keeps recent operations' results; a few are enough to reuse load work
// within one thumbnail, and it must never hold on to many decoded uploads.
constexpr int kCacheOperations = 16;
constexpr std::size_t kCacheBytes = std::size_t{16} << 20;
constexpr int kCacheFiles = 4;
constexpr int kJpegQuality = 80;

Error vips_failure(std::string_view what) {
  std::string message = std::string(what) + ": " + vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return Error::invalid("image", message);
}

}  // namespace

Result<std::unique_ptr<VipsThumbnailer>> VipsThumbnailer::start(int max_side, std::uint64_t max_source_pixels) {
  if (VIPS_INIT("talkline") != 0) return Error::internal("libvips failed to start");
  vips_concurrency_set(1);
  vips_cache_set_max(kCacheOperations);
  vips_cache_set_max_mem(kCacheBytes);
  vips_cache_set_max_files(kCacheFiles);
  return std::unique_ptr<VipsThumbnailer>(new VipsThumbnailer(max_side, max_source_pixels));
}

VipsThumbnailer::~VipsThumbnailer() { vips_shutdown(); }

Result<services::ThumbnailImage> VipsThumbnailer::make(std::string_view image) {
  // The header alone first: a small file can claim a huge canvas, and decoding that is
  // what costs memory.
  ImageRef header;
  header.image = vips_image_new_from_buffer(image.data(), image.size(), "", nullptr);
  if (!header.image) return vips_failure("not a readable image");
  const auto pixels = static_cast<std::uint64_t>(vips_image_get_width(header.image)) *
                      static_cast<std::uint64_t>(vips_image_get_height(header.image));
  if (pixels > max_source_pixels_) return Error::invalid("image", "too many pixels for a thumbnail");

  ImageRef thumbnail;
  if (vips_thumbnail_buffer(const_cast<char*>(image.data()), image.size(), &thumbnail.image, max_side_, "height",
                            max_side_, "size", VIPS_SIZE_DOWN, nullptr) != 0) {
    return vips_failure("thumbnail failed");
  }
  VipsImage* opaque = thumbnail.image;
  ImageRef flattened;
  if (vips_image_hasalpha(thumbnail.image)) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    const int failed = vips_flatten(thumbnail.image, &flattened.image, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (failed != 0) return vips_failure("flatten failed");
    opaque = flattened.image;
  }
  void* buffer = nullptr;
  std::size_t length = 0;
  if (vips_jpegsave_buffer(opaque, &buffer, &length, "Q", kJpegQuality, "strip", TRUE, nullptr) != 0) {
    return vips_failure("jpeg encoding failed");
  }
  services::ThumbnailImage made;
  made.jpeg.assign(static_cast<const char*>(buffer), length);
  g_free(buffer);
  made.width = vips_image_get_width(opaque);
  made.height = vips_image_get_height(opaque);
  return made;
}

}  // namespace talkline::media
