/* The C interface of the libvips thumbnail module (libtalkline-vips.so).
 *
 * libvips and the image libraries it pulls in (about a hundred shared objects) cost the
 * server 20 MiB of resident memory at start when linked into it, and most nodes never
 * make a thumbnail. So they live in this module, which media::VipsThumbnailer loads with
 * dlopen() on the first image. A plain C interface keeps the module free of the server's
 * own libraries and of any C++ ABI between the two. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TL_VIPS_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

enum tl_vips_status {
  TL_VIPS_OK = 0,
  TL_VIPS_UNREADABLE = 1,     /* not an image libvips can decode, or it failed midway */
  TL_VIPS_TOO_MANY_PIXELS = 2 /* the header claims more pixels than allowed */
};

struct tl_vips_thumbnail {
  void* jpeg;    /* owned by the module: release with tl_vips_release() */
  size_t length;
  int width;
  int height;
  char error[256]; /* why, when the status is not TL_VIPS_OK */
};

/* Starts libvips once for the process; 0 on success. */
TL_VIPS_EXPORT int tl_vips_start(void);
/* A JPEG of the image whose long side fits `max_side`; see enum tl_vips_status. */
TL_VIPS_EXPORT int tl_vips_make(const char* image, size_t size, int max_side, uint64_t max_source_pixels,
                                struct tl_vips_thumbnail* out);
TL_VIPS_EXPORT void tl_vips_release(struct tl_vips_thumbnail* thumbnail);

#ifdef __cplusplus
}
#endif
