#include "app/web_wiring.hpp"

#include <memory>

#include "transport/http/static_site.hpp"
#include "util/log.hpp"

namespace talkline::app {

namespace {

using transport::http::Request;
using transport::http::Response;
using transport::http::StaticSite;

// The client loads only its own scripts (no inline ones), talks to this origin over
// HTTP and WebSocket, and shows thumbnails it fetched with its token as blob: URLs.
constexpr const char* kClientPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// Swagger UI sets style attributes and inline SVG icons as data: URLs; its scripts are
// still only its own files.
constexpr const char* kDocsPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

bool mount(transport::http::Router& router, const config::Config& config, const std::string& dir, std::string prefix,
           const char* policy, std::vector<std::string> except) {
  if (dir.empty()) return false;
  auto site = StaticSite::open({dir, prefix, config.web_max_age_seconds, policy, config.web_max_file_bytes});
  if (!site.ok()) {
    util::log::warn("web.dir_unavailable", {{"dir", std::string_view(dir)}, {"prefix", std::string_view(prefix)}});
    return false;
  }
  auto shared = std::make_shared<const StaticSite>(std::move(site).value());
  router.add_mount(
      std::move(prefix), [shared](Request& request) { return shared->serve(request); }, std::move(except));
  return true;
}

}  // namespace

void mount_web(transport::http::Router& router, const config::Config& config) {
  // The API's own prefixes stay the API's: an unknown /api/ URL is an API 404, never a file.
  mount(router, config, config.web_dir, "/", kClientPolicy, {"/api/", "/socket.io/"});
  if (mount(router, config, config.api_docs_dir, "/api/v1/docs/", kDocsPolicy, {})) {
    // Relative asset URLs in the page need the trailing slash.
    router.add("GET", "/api/v1/docs", [](Request&) {
      auto response = Response::empty(301);
      response.headers.set("Location", "/api/v1/docs/");
      return response;
    });
  }
}

}  // namespace talkline::app
