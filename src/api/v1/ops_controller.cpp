#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"

namespace talkline::embedded {
extern const std::string_view openapi_json;
}

namespace talkline::api::v1 {

void register_ops_routes(transport::http::Router& router, const ApiContext& context) {
  router.add("GET", "/healthz", [](Request&) { return json_response(200, {{"status", "ok"}}); });

  // Ready: everything answers. Degraded (still 200): the store answers but a soft
  // dependency does not; the node keeps serving its own users, so it stays in the
  // balancer. Unavailable (503): the store does not answer.
  router.add("GET", "/readyz",
             api_handler([readiness = context.readiness, soft = context.soft_checks](Request&) -> Result<Response> {
               if (readiness) TL_TRY(readiness());
               util::Json checks = {{"store", "ok"}};
               bool degraded = false;
               for (const auto& check : soft) {
                 const bool up = !check.healthy || check.healthy();
                 checks[check.name] = up ? "ok" : "unreachable";
                 degraded = degraded || !up;
               }
               return json_response(200, {{"status", degraded ? "degraded" : "ready"}, {"checks", std::move(checks)}});
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
