#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/http/message.hpp"

namespace talkline::transport::http {

/// Route handlers are synchronous: the server runs them on the blocking worker pool,
/// never on an event loop, so they may call services and the store directly.
using Handler = std::function<Response(Request&)>;

struct RouteInfo {
  std::string method;     // "GET", "POST", ...
  std::string pattern;    // e.g. "/api/v1/conversations/{id}/messages"
  bool streamed = false;  // added with add_streamed
};

/// A route whose handler reads the request body as it arrives (streamed_route.hpp).
struct StreamedRoute;

/// Maps (method, path) to a handler. Patterns are literal segments and `{name}`
/// segments matching one non-empty path segment; a literal segment wins over a
/// parameter at the same position.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  /// Adds a streamed route (streamed_route.hpp): the session hands it the request head
  /// on the connection's event loop before reading the body. It takes part in matching
  /// like any route (404, 405 + Allow, a literal beating a parameter); the decorator
  /// does not wrap it.
  void add_streamed(std::string method, std::string pattern, std::shared_ptr<const StreamedRoute> route);
  /// Whether any streamed route was added: only then does the session look for one.
  bool has_streamed() const { return has_streamed_; }

  /// Serves every GET and HEAD under `prefix` (ending in '/') that no route matches, from
  /// `handler` (a directory of static files). Routes always win: a mount is consulted only
  /// when no pattern matches the path at all, and never for a path that starts with one
  /// of `except` (the API's own prefixes, so an unknown API URL stays an API 404). The
  /// longest matching prefix wins. Other methods get 405 with `Allow: GET, HEAD`.
  void add_mount(std::string prefix, Handler handler, std::vector<std::string> except = {});

  /// Wraps every handler added from now on (metrics, tracing). One decorator at a time.
  using Decorator = std::function<Handler(const RouteInfo&, Handler)>;
  void set_decorator(Decorator decorator) { decorator_ = std::move(decorator); }

  enum class Outcome { matched, not_found, method_not_allowed };
  struct Match {
    Outcome outcome = Outcome::not_found;
    const Handler* handler = nullptr;         // set when matched a plain route
    const StreamedRoute* streamed = nullptr;  // set when matched a streamed route
    std::vector<std::string> allowed;         // set when method_not_allowed (for `Allow`)
  };
  /// Finds the handler for a request and fills `request.path_params`.
  Match match(Request& request) const;

  /// Every registered route, in registration order (the OpenAPI drift test reads this).
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;
    Handler handler;
    std::shared_ptr<const StreamedRoute> streamed;
  };
  struct Mount {
    std::string prefix;
    Handler handler;
    std::vector<std::string> except;
  };
  const Mount* find_mount(std::string_view path) const;
  void add_route(RouteInfo info, Handler handler, std::shared_ptr<const StreamedRoute> streamed);

  std::vector<Route> routes_;
  std::vector<Mount> mounts_;
  Decorator decorator_;
  bool has_streamed_ = false;
};

}  // namespace talkline::transport::http
