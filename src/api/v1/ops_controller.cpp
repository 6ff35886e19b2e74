#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"

namespace talkline::embedded {
extern const std::string_view openapi_json;
}

namespace talkline::api::v1 {

void register_ops_routes(transport::http::Router& router, const ApiContext& context) {
  router.add("GET", "/healthz", [](Request&) { return json_response(200, {{"status", "ok"}}); });

  router.add("GET", "/readyz", api_handler([readiness = context.readiness](Request&) -> Result<Response> {
               if (readiness) TL_TRY(readiness());
               return json_response(200, {{"status", "ready"}});
             }));

  router.add("GET", "/api/v1/openapi.json",
             [](Request&) { return Response::json(200, std::string(embedded::openapi_json)); });

  router.add("GET", "/metrics", [metrics = context.metrics_text](Request&) {
    Response response;
    response.status = 200;
    response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics ? metrics() : std::string();
    return response;
  });
}

}  // namespace talkline::api::v1
