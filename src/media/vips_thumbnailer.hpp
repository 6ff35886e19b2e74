#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>

#include "services/thumbnailer.hpp"
#include "util/result.hpp"

namespace talkline::media {

struct VipsModule;

/// Thumbnails with libvips: decode with shrink-on-load, fit the long side into
/// `max_side`, flatten any alpha onto white, save as a JPEG without metadata.
///
/// libvips runs in a module of its own (src/vips_module), loaded on the first image
/// rather than at start: linked into the server it cost 20 MiB of resident memory at
/// start for a feature many nodes never use. The module is looked for beside the binary
/// and in ../lib/talkline (the installed layout). Without it the server runs and stores
/// images without thumbnails, and says so once in the log.
/// Threads: make() from any number of threads at once.
class VipsThumbnailer final : public services::Thumbnailer {
 public:
  VipsThumbnailer(int max_side, std::uint64_t max_source_pixels);
  ~VipsThumbnailer() override;
  VipsThumbnailer(const VipsThumbnailer&) = delete;
  VipsThumbnailer& operator=(const VipsThumbnailer&) = delete;

  Result<services::ThumbnailImage> make(std::string_view image) override;

  /// Where the module would be loaded from; empty when it is in neither place.
  static std::filesystem::path module_path();

 private:
  const VipsModule* module();

  const int max_side_;
  const std::uint64_t max_source_pixels_;
  std::once_flag load_once_;
  std::unique_ptr<VipsModule> module_;  // null until loaded, and when loading failed
};

}  // namespace talkline::media
