// The OpenAPI document and the router must describe the same API: every route the
// server answers is documented, and every documented operation exists.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/v1/api_context.hpp"
#include "transport/http/router.hpp"
#include "util/json.hpp"

namespace talkline::embedded {
extern const std::string_view openapi_json;
}

namespace {

using talkline::util::Json;

std::set<std::string> router_operations() {
  talkline::transport::http::Router router;
  talkline::api::v1::register_routes(router, talkline::api::v1::ApiContext{});
  std::set<std::string> operations;
  for (const auto& route : router.routes()) operations.insert(route.method + " " + route.pattern);
  return operations;
}

std::set<std::string> documented_operations(const Json& document) {
  std::set<std::string> operations;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      operations.insert(upper + " " + path);
    }
  }
  return operations;
}

Json openapi_document() { return Json::parse(talkline::embedded::openapi_json); }

TEST(OpenApi, DocumentIsOpenApi3) {
  const auto document = openapi_document();
  EXPECT_TRUE(document.at("openapi").get<std::string>().starts_with("3."));
  EXPECT_TRUE(document.at("paths").is_object());
}

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  const auto routes = router_operations();
  const auto documented = documented_operations(openapi_document());
  for (const auto& op : routes) EXPECT_TRUE(documented.contains(op)) << "undocumented route: " << op;
  for (const auto& op : documented) EXPECT_TRUE(routes.contains(op)) << "documented but not routed: " << op;
  EXPECT_FALSE(routes.empty());
}

TEST(OpenApi, EveryOperationDocumentsItsResponses) {
  const auto document = openapi_document();
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
      EXPECT_TRUE(operation.contains("summary")) << method << " " << path;
    }
  }
}

}  // namespace
