#include "webhook_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace talkline::jobs::testing {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Waits until `fd` is readable or `stopping`; false when stopping.
bool readable(int fd, const std::atomic<bool>& stopping) {
  while (!stopping) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) return true;
  }
  return false;
}

}  // namespace

WebhookTestServer::WebhookTestServer(Policy policy) : policy_(std::move(policy)) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 16) != 0 || getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("webhook test server: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

WebhookTestServer::~WebhookTestServer() {
  stopping_ = true;
  thread_.join();
  close(listener_);
}

std::string WebhookTestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<WebhookTestServer::Request> WebhookTestServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool WebhookTestServer::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void WebhookTestServer::run() {
  while (readable(listener_, stopping_)) {
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    serve(client);
    close(client);
  }
}

void WebhookTestServer::serve(int client) {
  std::string data;
  char chunk[4096];
  std::size_t header_end = std::string::npos;
  std::size_t body_length = 0;
  while (header_end == std::string::npos || data.size() < header_end + 4 + body_length) {
    if (!readable(client, stopping_)) return;
    const ssize_t n = recv(client, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    data.append(chunk, static_cast<std::size_t>(n));
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      const std::string head = lowercase(data.substr(0, header_end));
      if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
        body_length = std::stoul(head.substr(at + 17));
      }
    }
  }

  Request request;
  std::size_t line_end = data.find("\r\n");
  const std::string first = data.substr(0, line_end);
  request.method = first.substr(0, first.find(' '));
  request.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
  while (line_end < header_end) {
    const std::size_t next = data.find("\r\n", line_end + 2);
    const std::string line = data.substr(line_end + 2, next - line_end - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[lowercase(line.substr(0, colon))] = value;
    }
    line_end = next;
  }
  request.body = data.substr(header_end + 4, body_length);

  std::size_t index = 0;
  {
    std::lock_guard lock(mutex_);
    index = requests_.size();
    requests_.push_back(request);
  }
  arrived_.notify_all();
  const Answer answer = policy_(index, request);
  const auto until = std::chrono::steady_clock::now() + answer.delay;
  while (!stopping_ && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string response =
      "HTTP/1.1 " + std::to_string(answer.status) + " Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  send(client, response.data(), response.size(), MSG_NOSIGNAL);
}

}  // namespace talkline::jobs::testing
