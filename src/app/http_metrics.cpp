#include "app/http_metrics.hpp"

#include <chrono>
#include <iterator>
#include <sstream>

#include <prometheus/collectable.h>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace talkline::app {

struct HttpMetrics::Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
};

HttpMetrics::HttpMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("talkline_http_requests_total")
                       .Help("HTTP requests answered, by route and status")
                       .Register(*registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("talkline_http_request_duration_seconds")
                        .Help("Time spent in route handlers")
                        .Register(*registry_);
  families_ = std::make_unique<Families>(Families{requests, durations});
}

HttpMetrics::~HttpMetrics() = default;

transport::http::Handler HttpMetrics::instrument(const transport::http::RouteInfo& route,
                                                 transport::http::Handler handler) {
  // Histogram children are created once per route here, not per request.
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
  auto* histogram = &families_->durations.Add({{"method", route.method}, {"route", route.pattern}}, kBuckets);
  auto* requests = &families_->requests;
  return [handler = std::move(handler), histogram, requests, route](transport::http::Request& request) {
    const auto start = std::chrono::steady_clock::now();
    auto response = handler(request);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    histogram->Observe(elapsed.count());
    requests->Add({{"method", route.method}, {"route", route.pattern}, {"status", std::to_string(response.status)}})
        .Increment();
    return response;
  };
}

void HttpMetrics::add_collectable(std::shared_ptr<const prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

std::string HttpMetrics::render() const {
  auto families = registry_->Collect();
  for (const auto& collectable : collectables_) {
    auto more = collectable->Collect();
    std::move(more.begin(), more.end(), std::back_inserter(families));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace talkline::app
