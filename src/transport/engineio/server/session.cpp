#include "transport/engineio/server/session.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "transport/engineio/codec/payload.hpp"
#include "transport/engineio/server/responses.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::transport::engineio {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

std::size_t queued_size(const Packet& packet) { return packet.data().size() + 1; }

// The part of the handshake a session keeps for the layers above: no body, and only the
// headers they asked for.
http::Request kept_of(http::Request handshake, const EngineOptions& options) {
  handshake.body = {};
  handshake.path_params = {};
  if (!options.kept_handshake_headers) return handshake;
  http::Headers kept;
  for (const auto& name : *options.kept_handshake_headers) {
    for (auto value : handshake.headers.get_all(name)) kept.add(name, std::string(value));
  }
  handshake.headers = std::move(kept);
  return handshake;
}

}  // namespace

Session::Session(Loop loop, std::string sid, std::shared_ptr<const EngineOptions> options, http::Request handshake,
                 Transport transport, bool base64_binary, std::function<void(const std::string&)> forget)
    : loop_(std::move(loop)),
      sid_(std::move(sid)),
      options_(std::move(options)),
      handshake_(kept_of(std::move(handshake), *options_)),
      transport_(transport),
      binary_encoding_(base64_binary ? BinaryEncoding::base64_text : BinaryEncoding::raw_frames),
      forget_(std::move(forget)) {}

void Session::send(std::span<const Packet> packets) {
  if (loop_.running_in_this_thread()) {
    take_inbox();  // what other threads sent before stays ahead
    enqueue(packets);
    return;
  }
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.insert(inbox_.end(), packets.begin(), packets.end());
    if (inbox_posted_) return;
    inbox_posted_ = true;
  }
  net::post(loop_, [self = shared_from_this()] { self->take_inbox(); });
}

// On the loop: moves what other threads sent into the outbox, in the order sent.
void Session::take_inbox() {
  std::vector<Packet> packets;
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_.empty()) return;
    packets.swap(inbox_);
    inbox_posted_ = false;
  }
  enqueue(packets);
}

void Session::close(std::string reason) {
  net::post(loop_, [self = shared_from_this(), reason = std::move(reason)] { self->finish(reason, Ending::graceful); });
}

void Session::start() { arm(Deadline::ping, options_->ping_interval); }

void Session::arm(Deadline deadline, std::chrono::milliseconds span) {
  deadline_ = deadline;
  ++arming_;
  if (deadline == Deadline::none) return;
  Heartbeats::of(loop_.context()).arm(span, weak_from_this(), arming_);
}

// Server pings, client pongs (v4). A pong starts the next interval; silence past
// ping_timeout ends the session.
void Session::heartbeat_due(std::uint64_t arming) {
  if (arming != arming_) return;  // re-armed or disarmed since
  const Deadline due = std::exchange(deadline_, Deadline::none);
  switch (due) {
    case Deadline::ping:
      if (state_ != State::open) return;
      awaiting_pong_ = true;
      enqueue(Packet::text(PacketType::ping));
      arm(Deadline::pong, options_->ping_timeout);
      return;
    case Deadline::pong:
      if (state_ == State::open && awaiting_pong_) finish("ping timeout", Ending::abort);
      return;
    case Deadline::linger:
      if (state_ == State::closing) {
        state_ = State::closed;
        forget();
      }
      return;
    case Deadline::none: return;
  }
}

void Session::enqueue(std::span<const Packet> packets) {
  if (state_ != State::open || overflowed_) return;
  if (ws_) {
    for (const auto& packet : packets) write_packet(packet);
    buffered_.store(ws_->queued_bytes(), std::memory_order_relaxed);
    if (ws_->queued_bytes() > options_->max_buffered_bytes) {
      overflowed_ = true;
      net::post(loop_, [self = shared_from_this()] { self->finish("send buffer overflow", Ending::abort); });
    }
    return;
  }
  for (const auto& packet : packets) {
    outbox_bytes_ += queued_size(packet);
    outbox_.push_back(packet);
  }
  buffered_.store(outbox_bytes_, std::memory_order_relaxed);
  if (outbox_bytes_ > options_->max_buffered_bytes) {
    // Posted, not called: enqueue runs inside the upper layer's calls, which must
    // not hear on_close while they are still in the middle of something.
    overflowed_ = true;
    net::post(loop_, [self = shared_from_this()] { self->finish("send buffer overflow", Ending::abort); });
    return;
  }
  flush();
}

// Polling only: a WebSocket takes packets as they are queued.
void Session::flush() {
  if (poll_waiting_) poll_wakeup_->cancel();
}

void Session::write_packet(const Packet& packet) {
  if (!packet.is_binary()) {
    // A text frame is the type digit and the text: the frame shares the text, and only
    // the digit, after the frame header, is this session's own.
    const char digit = packet_type_char(packet.type());
    ws_->send(websocket::Opcode::text, std::string_view(&digit, 1), packet.shared_data());
  } else if (binary_encoding_ == BinaryEncoding::raw_frames) {
    ws_->send(websocket::Opcode::binary, {}, packet.shared_data());
  } else {
    auto frame = encode_ws(packet, binary_encoding_);
    ws_->send(frame.binary ? websocket::Opcode::binary : websocket::Opcode::text, {}, std::move(frame.data));
  }
}

void Session::hand_outbox_to_websocket() {
  auto waiting = take_outbox();
  enqueue(waiting);
}

std::vector<Packet> Session::take_outbox() {
  std::vector<Packet> packets;
  packets.swap(outbox_);
  outbox_bytes_ = 0;
  buffered_.store(0, std::memory_order_relaxed);
  return packets;
}

std::optional<RequestError> Session::refuse_request(Transport requested) const {
  if (state_ == State::closed) return make_request_error(RequestErrorCode::unknown_sid);
  if (state_ == State::closing) {
    if (requested == Transport::polling) return std::nullopt;
    return make_request_error(RequestErrorCode::unknown_sid);
  }
  if (requested == Transport::polling) {
    if (transport_ != Transport::polling) return make_request_error(RequestErrorCode::bad_request);
    return std::nullopt;
  }
  if (transport_ != Transport::polling || upgrading_ || !options_->allow_websocket) {
    return make_request_error(RequestErrorCode::bad_request);
  }
  return std::nullopt;
}

net::awaitable<http::Response> Session::poll() {
  auto self = shared_from_this();
  if (auto refusal = refuse_request(Transport::polling)) co_return error_response(*refusal);
  if (poll_waiting_) {
    // Two GETs at once: the client lost track of its own session.
    finish("transport error", Ending::abort);
    co_return error_response(make_request_error(RequestErrorCode::bad_request));
  }
  if (state_ == State::open && outbox_.empty() && !probed_) {
    poll_waiting_ = true;
    if (!poll_wakeup_) poll_wakeup_ = std::make_unique<net::steady_timer>(loop_);
    poll_wakeup_->expires_at(net::steady_timer::time_point::max());
    error_code ec;
    co_await poll_wakeup_->async_wait(net::redirect_error(net::use_awaitable, ec));
    poll_waiting_ = false;
  }
  std::vector<Packet> packets;
  if (state_ == State::open && transport_ != Transport::polling) {
    packets.push_back(Packet::text(PacketType::noop));  // upgraded meanwhile: release this GET
  } else {
    packets = take_outbox();
    if (state_ == State::closing) {
      state_ = State::closed;
      forget();
    }
  }
  if (packets.empty()) packets.push_back(Packet::text(PacketType::noop));
  auto body = encode_payload(packets);
  if (!body) {
    // Only a text packet holding '\x1e' fails to encode; the layer above sent it.
    finish("transport error", Ending::abort);
    co_return payload_response("1");
  }
  co_return payload_response(std::move(*body));
}

http::Response Session::receive(const std::string& body) {
  if (state_ != State::open) return error_response(make_request_error(RequestErrorCode::unknown_sid));
  if (transport_ != Transport::polling) return error_response(make_request_error(RequestErrorCode::bad_request));
  auto packets = decode_payload(body, options_->max_payload);
  if (!packets) {
    if (packets.error().code == ErrorCode::payload_too_large) {
      finish("payload too large", Ending::abort);
      RequestError error = make_request_error(RequestErrorCode::bad_request, "Payload too large");
      error.http_status = 413;
      return error_response(error);
    }
    finish("parse error", Ending::abort);
    return error_response(make_request_error(RequestErrorCode::bad_request));
  }
  for (auto& packet : *packets) {
    if (state_ != State::open) break;
    on_packet(std::move(packet));
  }
  return ok_response();
}

void Session::on_packet(Packet packet) {
  switch (packet.type()) {
    case PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        arm(Deadline::ping, options_->ping_interval);
      }
      break;
    case PacketType::ping:
      // v4 clients never ping; answering costs nothing and keeps v3-era tools working.
      enqueue(Packet::text(PacketType::pong, packet.shared_data()));
      break;
    case PacketType::message:
      if (listener_) listener_->on_message(std::move(packet));
      break;
    case PacketType::close: finish("transport close", Ending::client_closed); break;
    case PacketType::upgrade:
    case PacketType::noop: break;
    case PacketType::open: finish("parse error", Ending::abort); break;
  }
}

void Session::run_websocket(std::shared_ptr<WebSocket> ws) {
  transport_ = Transport::websocket;
  util::metrics::node_metrics().websocket_sessions.add(1);
  ws_ = std::move(ws);
  ws_->start(*this, shared_from_this());
  hand_outbox_to_websocket();
}

void Session::begin_upgrade(std::shared_ptr<WebSocket> ws) {
  if (refuse_request(Transport::websocket)) {
    ws->abort();
    return;
  }
  upgrading_ = true;
  probe_ = ws;
  upgrade_deadline_ = std::make_unique<net::steady_timer>(loop_, options_->upgrade_timeout);
  upgrade_deadline_->async_wait([weak = weak_from_this(), ws](error_code ec) {
    auto self = weak.lock();
    if (!ec && self && self->probe_ == ws) self->drop_upgrade();
  });
  ws->start(*this, shared_from_this());
}

// The upgrade's two steps: "2probe" answered with "3probe" (after which GETs return at
// once, so the client can pause polling), then "5". Anything else ends the attempt.
void Session::on_probe_message(bool binary, std::string_view data) {
  auto packet = binary ? decode_ws_binary(data) : decode_ws_text(data);
  if (state_ != State::open || !packet) {
    drop_upgrade();
  } else if (packet->type() == PacketType::ping && packet->data() == "probe") {
    const char digit = packet_type_char(PacketType::pong);
    probe_->send(websocket::Opcode::text, std::string_view(&digit, 1), "probe");
    probed_ = true;
    if (poll_waiting_) poll_wakeup_->cancel();
  } else if (packet->type() == PacketType::upgrade && probed_) {
    complete_upgrade();
  } else {
    drop_upgrade();
  }
}

void Session::complete_upgrade() {
  upgrade_deadline_.reset();
  upgrading_ = false;
  probed_ = false;
  transport_ = Transport::websocket;
  util::metrics::node_metrics().websocket_sessions.add(1);
  ws_ = std::move(probe_);
  if (poll_waiting_) poll_wakeup_->cancel();  // the waiting GET gets a noop
  hand_outbox_to_websocket();
  // The reference server greets a finished upgrade with a noop; clients ignore it.
  enqueue(Packet::text(PacketType::noop));
}

// The session goes on over polling.
void Session::drop_upgrade() {
  upgrade_deadline_.reset();
  upgrading_ = false;
  probed_ = false;
  if (auto probe = std::move(probe_)) probe->abort();
  if (poll_waiting_) poll_wakeup_->cancel();
}

void Session::on_message(websocket::Stream& stream, bool binary, std::string_view data) {
  if (&stream == probe_.get()) {
    on_probe_message(binary, data);
    return;
  }
  if (state_ != State::open) return;
  auto packet = binary ? decode_ws_binary(data) : decode_ws_text(data);
  if (!packet) {
    finish("parse error", Ending::abort);
    return;
  }
  on_packet(std::move(*packet));
}

void Session::on_written(websocket::Stream& stream) {
  if (&stream == ws_.get()) buffered_.store(stream.queued_bytes(), std::memory_order_relaxed);
}

void Session::on_end(websocket::Stream& stream, websocket::End end) {
  if (&stream == probe_.get()) {
    probe_.reset();  // it has ended on its own
    drop_upgrade();
    return;
  }
  if (&stream != ws_.get()) return;
  ws_.reset();  // it finishes its own close handshake
  finish(end == websocket::End::peer_closed ? "transport close" : "transport error", Ending::abort);
}

void Session::abandon() {
  state_ = State::closed;
  forget_ = nullptr;
  listener_.reset();
  if (ws_) ws_->detach();
  if (probe_) probe_->detach();
  ws_.reset();
  probe_.reset();
  upgrade_deadline_.reset();
  take_outbox();
  std::lock_guard lock(inbox_mutex_);
  inbox_.clear();
}

void Session::forget() {
  auto forget = std::move(forget_);
  if (!forget) return;
  if (transport_ == Transport::websocket) util::metrics::node_metrics().websocket_sessions.add(-1);
  forget(sid_);
}

void Session::finish(const std::string& reason, Ending ending) {
  if (state_ == State::closed) return;
  bool was_open = state_ == State::open;
  arm(Deadline::none, {});
  if (probe_) drop_upgrade();

  if (transport_ == Transport::polling) {
    if (state_ == State::closing) {
      state_ = State::closed;
      forget();
    } else if (ending == Ending::graceful && !poll_waiting_) {
      outbox_.push_back(Packet::text(PacketType::close));
      state_ = State::closing;
      arm(Deadline::linger, options_->ping_timeout);
    } else {
      if (ending != Ending::graceful) take_outbox();
      outbox_.push_back(Packet::text(ending == Ending::client_closed ? PacketType::noop : PacketType::close));
      state_ = State::closed;
      forget();
      if (poll_waiting_) poll_wakeup_->cancel();
    }
  } else {
    state_ = State::closed;
    forget();
    take_outbox();
    buffered_.store(0, std::memory_order_relaxed);
    // Graceful: what is queued goes out, then the close frame.
    if (auto ws = std::move(ws_)) {
      if (ending == Ending::abort) {
        ws->abort();
      } else {
        ws->close();
      }
    }
  }

  if (was_open) {
    if (auto listener = std::move(listener_)) listener->on_close(reason);
  }
}

}  // namespace talkline::transport::engineio
