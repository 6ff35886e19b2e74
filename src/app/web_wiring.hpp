#pragma once

#include "config/config.hpp"
#include "transport/http/router.hpp"

namespace talkline::app {

/// Mounts the web client at `/` (TALKLINE_WEB_DIR) and Swagger UI at `/api/v1/docs/`
/// (TALKLINE_API_DOCS_DIR), behind every API route. A directory that is switched off
/// mounts nothing; one that does not exist is logged and mounts nothing, so a server
/// started away from the repository is still a working API server.
void mount_web(transport::http::Router& router, const config::Config& config);

}  // namespace talkline::app
