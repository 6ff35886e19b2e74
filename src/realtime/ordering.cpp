// Live messages reach each connection in seq order and without gaps, although several
// nodes announce one conversation's messages (each node in its own commit order, so
// seq 6 from one node can overtake seq 5 from another) and the bus loses what is
// published while Redis is away. A message ahead of the next expected seq waits a
// moment for the missing ones; after that they are read from the store, where every
// seq below an announced one is already committed.
//
// Warning: a gap filled from the store can include a message this very connection sent
// whose own announcement has not reached it yet; the device then receives it once as
// message:new (same id as its ack). Gaps only arise across nodes or after a bus outage.
#include <algorithm>

#include "realtime/events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/payload.hpp"
#include "util/log.hpp"
#include "wire/message_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// A store that cannot answer is asked again, less and less often.
constexpr auto kMaxGapRetry = std::chrono::milliseconds(5000);

}  // namespace

namespace {

// No packets: the message counts as sent without being sent (the sender's own device).
void send_unless_own(transport::socketio::Socket& socket, const SharedPackets& packets) {
  if (packets) socket.send_raw(*packets);
}

}  // namespace

void Gateway::offer_message(const ConnectionPtr& connection, model::Id conversation_id, model::Seq seq,
                            SharedPackets packets) {
  auto& c = *connection;
  auto sent = c.sent_up_to.find(conversation_id);
  if (sent == c.sent_up_to.end()) {
    // Nothing known about this conversation yet (it began, or the user joined it, after
    // this connection caught up): its first message starts the count.
    c.sent_up_to.emplace(conversation_id, seq);
    send_unless_own(*c.socket, packets);
    return;
  }
  if (seq <= sent->second) return;  // already sent, live or from the store
  if (seq == sent->second + 1) {
    send_unless_own(*c.socket, packets);
    sent->second = seq;
    send_contiguous(c, conversation_id);
    return;
  }
  if (c.ahead_count >= kMaxHeldMessages) {
    c.socket->close_connection("catch-up overflow");  // it reconnects and starts over
    return;
  }
  if (c.ahead[conversation_id].emplace(seq, std::move(packets)).second) ++c.ahead_count;
  if (!c.gap_fills.insert(conversation_id).second) return;
  auto fill = [self = shared_from_this(), connection, conversation_id]() {
    return self->fill_gap(connection, conversation_id);
  };
  net::co_spawn(c.loop, std::move(fill), net::detached);
}

void Gateway::send_contiguous(Connection& connection, model::Id conversation_id) {
  auto waiting = connection.ahead.find(conversation_id);
  if (waiting == connection.ahead.end()) return;
  auto& next = connection.sent_up_to[conversation_id];
  auto& queue = waiting->second;
  while (!queue.empty() && queue.begin()->first <= next + 1) {
    auto entry = queue.extract(queue.begin());
    --connection.ahead_count;
    if (entry.key() != next + 1) continue;  // a copy of one the store already gave
    send_unless_own(*connection.socket, entry.mapped());
    next = entry.key();
  }
  if (queue.empty()) connection.ahead.erase(waiting);
}

void Gateway::drop_ahead(Connection& connection, model::Id conversation_id) {
  auto waiting = connection.ahead.find(conversation_id);
  if (waiting != connection.ahead.end()) {
    connection.ahead_count -= waiting->second.size();
    connection.ahead.erase(waiting);
  }
  connection.gap_fills.erase(conversation_id);
}

// Runs on the connection's loop, one per conversation with a gap at a time; the store
// read goes to the blocking pool.
net::awaitable<void> Gateway::fill_gap(ConnectionPtr connection, model::Id conversation_id) {
  net::steady_timer timer(co_await net::this_coro::executor);
  auto delay = options_.gap_fill_delay;
  for (;;) {
    timer.expires_after(delay);
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (stopped_ || !connection->socket->connected()) co_return;
    auto waiting = connection->ahead.find(conversation_id);
    if (waiting == connection->ahead.end()) {  // the missing ones arrived live
      connection->gap_fills.erase(conversation_id);
      co_return;
    }
    const model::Seq from = connection->sent_up_to[conversation_id];
    const model::Seq first_held = waiting->second.begin()->first;
    const auto missing = std::min<model::Seq>(first_held - from - 1, std::max(1, options_.sync_page_size));
    auto read = [this, &connection, conversation_id, from, missing] {
      return services_.messages.messages_after(connection->principal, conversation_id, from, static_cast<int>(missing));
    };
    auto page = co_await transport::run_on(connection->work, read);
    if (stopped_ || !connection->socket->connected()) co_return;
    if (!page.ok()) {
      if (page.error().code == ErrorCode::not_found) {  // no longer a member: nothing more is theirs
        drop_ahead(*connection, conversation_id);
        co_return;
      }
      util::log::debug("realtime.gap_fill_retry", {{"error", std::string_view(page.error().message)}});
      delay = std::min(std::max(delay * 2, options_.gap_fill_delay), kMaxGapRetry);
      continue;
    }
    auto& sent = connection->sent_up_to[conversation_id];
    for (const auto& message : *page) {
      if (message.seq != sent + 1) continue;
      connection->socket->send_raw(event_packets(events::message_new, wire::message_wire(message)));
      sent = message.seq;
    }
    send_contiguous(*connection, conversation_id);
    if (!connection->ahead.contains(conversation_id)) {
      connection->gap_fills.erase(conversation_id);
      co_return;
    }
    // More than a page was missing: go on at once. Nothing came back: the commits are
    // not visible yet, so wait a little.
    delay = page->empty() ? options_.gap_fill_delay : std::chrono::milliseconds(0);
  }
}

}  // namespace talkline::realtime
