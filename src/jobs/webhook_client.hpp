#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace talkline::jobs {

/// Where webhooks go: a plain-HTTP URL, split for the request.
struct WebhookTarget {
  std::string host;          // a name, an IPv4 address, or an IPv6 address without brackets
  std::string port = "80";   //
  std::string target = "/";  // path and query
  std::string host_header;   // host[:port] as written in the URL
};

/// Reads `http://host[:port][/path][?query]`. https:// is refused with an explanation:
/// TLS needs a relay in front (docs/HLD.md "Background jobs and the event log").
/// `setting` names the configuration key in errors.
Result<WebhookTarget> parse_webhook_url(std::string_view url, std::string_view setting);

struct WebhookResponse {
  int status = 0;     // the HTTP status; 0 when no answer came
  std::string error;  // why there was no answer
  bool delivered() const { return status >= 200 && status < 300; }
};

/// Sends one webhook and waits for the answer. Blocking: for a job's own thread.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  /// POSTs `body` (JSON) with `X-TalkLine-Event-Id: <event_id>`.
  virtual WebhookResponse post(std::string_view body, std::string_view event_id) = 0;
  /// Makes a post() in progress, and every later one, return at once (at shutdown).
  /// Safe from any thread.
  virtual void cancel() = 0;
};

/// A new HTTP/1.1 connection per webhook (Beast), with one deadline for resolving,
/// connecting, writing and reading the answer; the answer's body is read (up to a
/// small limit) and ignored.
class HttpWebhookClient final : public WebhookSender {
 public:
  HttpWebhookClient(WebhookTarget target, std::chrono::milliseconds timeout)
      : target_(std::move(target)), timeout_(timeout) {}

  WebhookResponse post(std::string_view body, std::string_view event_id) override;
  void cancel() override { cancelled_ = true; }

 private:
  const WebhookTarget target_;
  const std::chrono::milliseconds timeout_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace talkline::jobs
