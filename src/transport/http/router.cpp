#include "transport/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace talkline::transport::http {

namespace {

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Splits the part after the leading '/' on '/'. Every path yields at least one
// segment, so "/" is [""] and "/a/" is ["a", ""]: a trailing slash is an ordinary
// empty segment and only matches a pattern that has one too.
std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool segments_match(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

// True when `a` is more specific than `b`: at the first position where one has a
// literal and the other a parameter, the literal wins. Both match the same path,
// so they have the same length.
bool more_specific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool a_literal = !is_param(a[i]);
    bool b_literal = !is_param(b[i]);
    if (a_literal != b_literal) return a_literal;
  }
  return false;
}

bool same_shape(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool a_param = is_param(a[i]);
    if (a_param != is_param(b[i])) return false;
    if (!a_param && a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace

// Malformed or duplicate routes are programming errors found at startup, so they
// throw instead of being reported on the request path.
void Router::add(std::string method, std::string pattern, Handler handler) {
  if (!handler) throw std::invalid_argument("route handler is empty: " + pattern);
  add_route(RouteInfo{std::move(method), std::move(pattern)}, std::move(handler), nullptr);
}

void Router::add_streamed(std::string method, std::string pattern, std::shared_ptr<const StreamedRoute> route) {
  if (!route) throw std::invalid_argument("streamed route is empty: " + pattern);
  add_route(RouteInfo{std::move(method), std::move(pattern), true}, nullptr, std::move(route));
  has_streamed_ = true;
}

void Router::add_route(RouteInfo info, Handler handler, std::shared_ptr<const StreamedRoute> streamed) {
  const auto& method = info.method;
  const auto& pattern = info.pattern;
  if (method.empty()) throw std::invalid_argument("route method is empty");
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }

  std::vector<std::string> segments;
  for (auto segment : split_segments(pattern)) {
    bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
    if (has_brace && !is_param(segment)) {
      throw std::invalid_argument("route pattern has a malformed parameter: " + pattern);
    }
    if (is_param(segment) && segment.substr(1, segment.size() - 2).find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("route pattern has a malformed parameter: " + pattern);
    }
    segments.emplace_back(segment);
  }
  for (const auto& route : routes_) {
    if (route.info.method == method && same_shape(route.segments, segments)) {
      throw std::invalid_argument(std::string("duplicate route: ").append(method).append(" ").append(pattern));
    }
  }
  if (decorator_ && handler) handler = decorator_(info, std::move(handler));
  routes_.push_back(Route{std::move(info), std::move(segments), std::move(handler), std::move(streamed)});
}

void Router::add_mount(std::string prefix, Handler handler, std::vector<std::string> except) {
  if (!handler) throw std::invalid_argument("mount handler is empty: " + prefix);
  if (prefix.empty() || prefix.front() != '/' || prefix.back() != '/') {
    throw std::invalid_argument("mount prefix must start and end with '/': " + prefix);
  }
  for (const auto& mount : mounts_) {
    if (mount.prefix == prefix) throw std::invalid_argument("duplicate mount: " + prefix);
  }
  if (decorator_) handler = decorator_(RouteInfo{"GET", prefix + "*"}, std::move(handler));
  mounts_.push_back(Mount{std::move(prefix), std::move(handler), std::move(except)});
}

const Router::Mount* Router::find_mount(std::string_view path) const {
  const Mount* best = nullptr;
  for (const auto& mount : mounts_) {
    if (!path.starts_with(mount.prefix)) continue;
    bool excluded = false;
    for (const auto& except : mount.except) excluded = excluded || path.starts_with(except);
    if (!excluded && (best == nullptr || mount.prefix.size() > best->prefix.size())) best = &mount;
  }
  return best;
}

// Among the routes whose pattern matches the path, the most specific one for the
// request's method wins. Only when no route of that method matches is the answer
// 405, listing every method some matching pattern accepts.
Router::Match Router::match(Request& request) const {
  auto path = split_segments(request.path);
  const Route* best = nullptr;
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (!segments_match(route.segments, path)) continue;
    if (route.info.method == request.method) {
      if (best == nullptr || more_specific(route.segments, best->segments)) best = &route;
    } else if (std::find(allowed.begin(), allowed.end(), route.info.method) == allowed.end()) {
      allowed.push_back(route.info.method);
    }
  }

  Match result;
  if (best != nullptr) {
    request.path_params.clear();
    for (std::size_t i = 0; i < best->segments.size(); ++i) {
      const auto& segment = best->segments[i];
      if (is_param(segment)) request.path_params[segment.substr(1, segment.size() - 2)] = std::string(path[i]);
    }
    result.outcome = Outcome::matched;
    if (best->streamed) {
      result.streamed = best->streamed.get();
    } else {
      result.handler = &best->handler;
    }
  } else if (!allowed.empty()) {
    result.outcome = Outcome::method_not_allowed;
    result.allowed = std::move(allowed);
  } else if (const Mount* mount = find_mount(request.path)) {
    if (request.method == "GET" || request.method == "HEAD") {
      request.path_params.clear();
      result.outcome = Outcome::matched;
      result.handler = &mount->handler;
    } else {
      result.outcome = Outcome::method_not_allowed;
      result.allowed = {"GET", "HEAD"};
    }
  }
  return result;
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> infos;
  infos.reserve(routes_.size());
  for (const auto& route : routes_) infos.push_back(route.info);
  return infos;
}

}  // namespace talkline::transport::http
