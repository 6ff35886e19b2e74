#include "media/vips_thumbnailer.hpp"

#include <dlfcn.h>

#include <string>
#include <system_error>

#include "vips_module/vips_module.h"
#include "util/log.hpp"

namespace talkline::media {

namespace {
constexpr const char* kModuleName = "libtalkline-vips.so";
}  // namespace

struct VipsModule {
  void* handle = nullptr;
  decltype(&tl_vips_make) make = nullptr;
  decltype(&tl_vips_release) release = nullptr;
};

VipsThumbnailer::VipsThumbnailer(int max_side, std::uint64_t max_source_pixels)
    : max_side_(max_side), max_source_pixels_(max_source_pixels) {}

// The handle stays open: libvips keeps process-wide state and threads, and unloading it
// while they live would crash at exit.
VipsThumbnailer::~VipsThumbnailer() = default;

std::filesystem::path VipsThumbnailer::module_path() {
  std::error_code error;
  const auto binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  const auto dir = binary.parent_path();
  for (const auto& candidate : {dir / kModuleName, dir / ".." / "lib" / "talkline" / kModuleName}) {
    if (std::filesystem::is_regular_file(candidate, error)) return candidate.lexically_normal();
  }
  return {};
}

const VipsModule* VipsThumbnailer::module() {
  std::call_once(load_once_, [this] {
    const auto path = module_path();
    if (path.empty()) {
      util::log::warn("thumbnails.off", {{"reason", std::string_view("module not found")},
                                         {"module", std::string_view(kModuleName)}});
      return;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const std::string reason = dlerror();
      util::log::warn("thumbnails.off", {{"reason", std::string_view(reason)}});
      return;
    }
    auto start = reinterpret_cast<decltype(&tl_vips_start)>(dlsym(handle, "tl_vips_start"));
    auto loaded = std::make_unique<VipsModule>();
    loaded->handle = handle;
    loaded->make = reinterpret_cast<decltype(&tl_vips_make)>(dlsym(handle, "tl_vips_make"));
    loaded->release = reinterpret_cast<decltype(&tl_vips_release)>(dlsym(handle, "tl_vips_release"));
    if (!start || !loaded->make || !loaded->release || start() != 0) {
      util::log::warn("thumbnails.off", {{"reason", std::string_view("libvips failed to start")},
                                         {"module", std::string_view(path.native())}});
      return;
    }
    module_ = std::move(loaded);
  });
  return module_.get();
}

Result<services::ThumbnailImage> VipsThumbnailer::make(std::string_view image) {
  const VipsModule* vips = module();
  if (!vips) return Error::unavailable("thumbnails are off on this node (see the log at the first image)");
  tl_vips_thumbnail made{};
  const int status = vips->make(image.data(), image.size(), max_side_, max_source_pixels_, &made);
  if (status != TL_VIPS_OK) return Error::invalid("image", made.error);
  services::ThumbnailImage thumbnail;
  thumbnail.jpeg.assign(static_cast<const char*>(made.jpeg), made.length);
  thumbnail.width = made.width;
  thumbnail.height = made.height;
  vips->release(&made);
  return thumbnail;
}

}  // namespace talkline::media
