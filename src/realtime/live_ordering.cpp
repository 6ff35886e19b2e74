#include "realtime/live_ordering.hpp"

#include <algorithm>

#include "realtime/feed_events.hpp"
#include "realtime/gateway.hpp"
#include "transport/asio/run_on.hpp"
#include "util/log.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// A store that cannot answer is asked again, less and less often.
constexpr auto kMaxGapRetry = std::chrono::milliseconds(5000);
constexpr auto kMinCountRetry = std::chrono::milliseconds(50);

// No packets: the change counts as sent without being sent (the device that made it).
void send_unless_own(transport::socketio::Socket& socket, const SharedPackets& packets) {
  if (packets) socket.send_raw(*packets);
}

}  // namespace

void LiveOrdering::offer_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id,
                                model::Seq change_seq, SharedPackets packets) {
  auto& c = *connection;
  auto& state = c.ordering;
  auto sent = state.sent_up_to.find(conversation_id);
  if (sent == state.sent_up_to.end() && change_seq == 1) {  // a conversation begun since catch-up
    state.sent_up_to.emplace(conversation_id, change_seq);
    send_unless_own(*c.socket, packets);
    return;
  }
  // Otherwise an unknown conversation is one the user joined after this connection
  // caught up. Its first change to arrive need not be its next (another node or thread
  // may announce an earlier one later), so it is held like a change after a gap, and
  // fill_gap starts the count at the member's delivered cursor.
  if (sent != state.sent_up_to.end()) {
    if (change_seq <= sent->second) return;  // already sent, live or from the store
    if (change_seq == sent->second + 1) {
      send_unless_own(*c.socket, packets);
      sent->second = change_seq;
      send_contiguous(c, conversation_id);
      return;
    }
  }
  if (state.ahead_count >= kMaxHeldChanges) {
    c.socket->close_connection("catch-up overflow");  // it reconnects and starts over
    return;
  }
  if (state.ahead[conversation_id].emplace(change_seq, std::move(packets)).second) ++state.ahead_count;
  if (!state.gap_fills.insert(conversation_id).second) return;
  auto fill = [gateway = gateway_.shared_from_this(), this, connection, conversation_id]() {
    return fill_gap(connection, conversation_id);
  };
  net::co_spawn(c.loop, std::move(fill), net::detached);
}

void LiveOrdering::mark_sent(Connection& connection, model::Id conversation_id, model::Seq change_seq) {
  auto& up_to = connection.ordering.sent_up_to[conversation_id];
  up_to = std::max(up_to, change_seq);
}

void LiveOrdering::send_contiguous(Connection& connection, model::Id conversation_id) {
  auto& state = connection.ordering;
  auto waiting = state.ahead.find(conversation_id);
  if (waiting == state.ahead.end()) return;
  auto& next = state.sent_up_to[conversation_id];
  auto& queue = waiting->second;
  while (!queue.empty() && queue.begin()->first <= next + 1) {
    auto entry = queue.extract(queue.begin());
    --state.ahead_count;
    if (entry.key() != next + 1) continue;  // a copy of one the store already gave
    send_unless_own(*connection.socket, entry.mapped());
    next = entry.key();
  }
  if (queue.empty()) state.ahead.erase(waiting);
}

// The count of a conversation joined after catch-up starts at the member's delivered
// cursor, or just before the first held change if that is lower: a held change reached
// this connection live, so it was never sent here, whatever the cursor says (a send from
// another device moves it past messages this one has not had). Retries while the store
// cannot answer; false when there is nothing more to send here.
net::awaitable<bool> LiveOrdering::start_count(std::shared_ptr<Connection> connection, model::Id conversation_id) {
  auto& state = connection->ordering;
  net::steady_timer timer(co_await net::this_coro::executor);
  auto delay = std::max(options_.gap_fill_delay, kMinCountRetry);
  for (;;) {
    auto read = [this, &connection, conversation_id] {
      return messages_.delivered_change_seq(connection->principal, conversation_id);
    };
    auto cursor = co_await transport::run_on(connection->work, read);
    if (gateway_.stopped() || !connection->socket->connected()) co_return false;
    auto waiting = state.ahead.find(conversation_id);
    if (waiting == state.ahead.end()) {
      state.gap_fills.erase(conversation_id);
      co_return false;
    }
    if (cursor.ok()) {
      mark_sent(*connection, conversation_id, std::min(*cursor, waiting->second.begin()->first - 1));
      send_contiguous(*connection, conversation_id);
      if (state.ahead.contains(conversation_id)) co_return true;
      state.gap_fills.erase(conversation_id);
      co_return false;
    }
    if (cursor.error().code == ErrorCode::not_found) {  // no longer a member
      drop_ahead(*connection, conversation_id);
      co_return false;
    }
    util::log::debug("realtime.count_start_retry", {{"error", std::string_view(cursor.error().message)}});
    timer.expires_after(delay);
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (gateway_.stopped() || !connection->socket->connected()) co_return false;
    delay = std::min(delay * 2, kMaxGapRetry);
  }
}

void LiveOrdering::drop_ahead(Connection& connection, model::Id conversation_id) {
  auto& state = connection.ordering;
  auto waiting = state.ahead.find(conversation_id);
  if (waiting != state.ahead.end()) {
    state.ahead_count -= waiting->second.size();
    state.ahead.erase(waiting);
  }
  state.gap_fills.erase(conversation_id);
}

// Runs on the connection's loop, one per conversation with a gap at a time; the store
// read goes to the blocking pool.
net::awaitable<void> LiveOrdering::fill_gap(std::shared_ptr<Connection> connection, model::Id conversation_id) {
  auto& state = connection->ordering;
  net::steady_timer timer(co_await net::this_coro::executor);
  auto delay = options_.gap_fill_delay;
  int own_waits = 0;
  if (!state.sent_up_to.contains(conversation_id) && !co_await start_count(connection, conversation_id)) co_return;
  for (;;) {
    timer.expires_after(delay);
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (gateway_.stopped() || !connection->socket->connected()) co_return;
    auto waiting = state.ahead.find(conversation_id);
    if (waiting == state.ahead.end()) {  // the missing ones arrived live
      state.gap_fills.erase(conversation_id);
      co_return;
    }
    const model::Seq from = state.sent_up_to[conversation_id];
    const model::Seq first_held = waiting->second.begin()->first;
    const auto missing = std::min<model::Seq>(first_held - from - 1, std::max(1, options_.sync_page_size));
    auto read = [this, &connection, conversation_id, from, missing] {
      return messages_.changes_after(connection->principal, conversation_id, from, static_cast<int>(missing));
    };
    auto page = co_await transport::run_on(connection->work, read);
    if (gateway_.stopped() || !connection->socket->connected()) co_return;
    if (!page.ok()) {
      if (page.error().code == ErrorCode::not_found) {  // no longer a member: nothing more is theirs
        drop_ahead(*connection, conversation_id);
        co_return;
      }
      util::log::debug("realtime.gap_fill_retry", {{"error", std::string_view(page.error().message)}});
      delay = std::min(std::max(delay * 2, options_.gap_fill_delay), kMaxGapRetry);
      continue;
    }
    auto& sent = state.sent_up_to[conversation_id];
    bool waits_for_answer = false;
    for (const auto& change : *page) {
      if (change.change_seq != sent + 1) continue;
      if (may_be_unanswered_own(*connection, change) && own_waits < max_own_waits) {
        waits_for_answer = true;  // its answer settles it, or the next pass sends it
        ++own_waits;
        break;
      }
      connection->socket->send_raw(feed_event_packets(change));
      sent = change.change_seq;
    }
    send_contiguous(*connection, conversation_id);
    if (!state.ahead.contains(conversation_id)) {
      state.gap_fills.erase(conversation_id);
      co_return;
    }
    // More than a page was missing: go on at once. Nothing came back: the commits are not
    // visible yet, so wait a little. An answer is awaited: wait for it, briefly.
    delay = std::chrono::milliseconds(0);
    if (page->empty()) delay = options_.gap_fill_delay;
    if (waits_for_answer) delay = std::min<std::chrono::milliseconds>(options_.gap_fill_delay, own_answer_wait);
  }
}

}  // namespace talkline::realtime
