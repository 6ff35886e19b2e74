#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace talkline::jobs::testing {

/// A tiny HTTP/1.1 server on 127.0.0.1 for webhook tests: one connection at a time,
/// each request recorded, answered with the status `answer` picks (after its delay).
class WebhookTestServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
  };
  struct Answer {
    int status = 200;
    std::chrono::milliseconds delay{0};
  };
  /// Picks the answer to the `index`th request (0-based).
  using Policy = std::function<Answer(std::size_t index, const Request& request)>;

  explicit WebhookTestServer(Policy policy);
  ~WebhookTestServer();
  WebhookTestServer(const WebhookTestServer&) = delete;
  WebhookTestServer& operator=(const WebhookTestServer&) = delete;

  std::string url(const std::string& path = "/hooks/offline") const;
  std::vector<Request> requests() const;
  /// Waits until at least `count` requests arrived; true when they did.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void run();
  void serve(int client);

  Policy policy_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace talkline::jobs::testing
