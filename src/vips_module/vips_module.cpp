#include "vips_module/vips_module.h"

#include <vips/vips.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

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

int fail(tl_vips_thumbnail* out, int status, const char* what, bool with_vips_error) {
  const char* detail = with_vips_error ? vips_error_buffer() : "";
  std::snprintf(out->error, sizeof out->error, "%s%s%s", what, *detail ? ": " : "", detail);
  if (with_vips_error) vips_error_clear();
  for (std::size_t end = std::strlen(out->error); end > 0 && (out->error[end - 1] == '\n' || out->error[end - 1] == ' ');
       --end) {
    out->error[end - 1] = '\0';
  }
  return status;
}

}  // namespace

extern "C" int tl_vips_start(void) {
  if (VIPS_INIT("talkline") != 0) return 1;
  // One worker per image pipeline: the HTTP worker pool already bounds how many run at
  // once, and libvips would otherwise start a thread per core for each.
  vips_concurrency_set(1);
  vips_cache_set_max(kCacheOperations);
  vips_cache_set_max_mem(kCacheBytes);
  vips_cache_set_max_files(kCacheFiles);
  return 0;
}

extern "C" int tl_vips_make(const char* image, size_t size, int max_side, uint64_t max_source_pixels,
                            tl_vips_thumbnail* out) {
  *out = tl_vips_thumbnail{};
  // The header alone first: a small file can claim a huge canvas, and decoding that is
  // what costs memory.
  ImageRef header;
  header.image = vips_image_new_from_buffer(image, size, "", nullptr);
  if (!header.image) return fail(out, TL_VIPS_UNREADABLE, "not a readable image", true);
  const auto pixels = static_cast<std::uint64_t>(vips_image_get_width(header.image)) *
                      static_cast<std::uint64_t>(vips_image_get_height(header.image));
  if (pixels > max_source_pixels) return fail(out, TL_VIPS_TOO_MANY_PIXELS, "too many pixels for a thumbnail", false);

  ImageRef thumbnail;
  if (vips_thumbnail_buffer(const_cast<char*>(image), size, &thumbnail.image, max_side, "height", max_side, "size",
                            VIPS_SIZE_DOWN, nullptr) != 0) {
    return fail(out, TL_VIPS_UNREADABLE, "thumbnail failed", true);
  }
  VipsImage* opaque = thumbnail.image;
  ImageRef flattened;
  if (vips_image_hasalpha(thumbnail.image)) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    const int failed = vips_flatten(thumbnail.image, &flattened.image, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (failed != 0) return fail(out, TL_VIPS_UNREADABLE, "flatten failed", true);
    opaque = flattened.image;
  }
  if (vips_jpegsave_buffer(opaque, &out->jpeg, &out->length, "Q", kJpegQuality, "strip", TRUE, nullptr) != 0) {
    return fail(out, TL_VIPS_UNREADABLE, "jpeg encoding failed", true);
  }
  out->width = vips_image_get_width(opaque);
  out->height = vips_image_get_height(opaque);
  return TL_VIPS_OK;
}

extern "C" void tl_vips_release(tl_vips_thumbnail* thumbnail) {
  g_free(thumbnail->jpeg);
  thumbnail->jpeg = nullptr;
  thumbnail->length = 0;
}
