#include "transport/websocket/stream/stream.hpp"

#include <cstring>
#include <utility>

#include "transport/websocket/stream/flush_queue.hpp"

namespace talkline::transport::websocket {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// Where a read that filled the whole chunk goes on: one per thread, since a loop reads
// one socket at a time, so connections need not each reserve room for a burst.
std::span<char> drain_buffer() {
  thread_local std::vector<char> buffer(64 * 1024);
  return buffer;
}

bool would_block(const error_code& ec) { return ec == net::error::would_block || ec == net::error::try_again; }

}  // namespace

Stream::Stream(net::ip::tcp::socket socket, std::size_t max_message)
    : socket_(std::move(socket)), reader_(max_message) {
  // The synchronous reads and writes below must come back with would_block rather than wait.
  error_code ignored;
  socket_.non_blocking(true, ignored);
}

void Stream::start(StreamHandler& handler, std::shared_ptr<void> owner) {
  handler_ = &handler;
  owner_ = std::move(owner);
  read_next();
}

// ---- reading

void Stream::read_next() {
  socket_.async_read_some(net::buffer(read_chunk_),
                          [self = shared_from_this()](error_code ec, std::size_t size) { self->on_read(ec, size); });
}

void Stream::on_read(error_code ec, std::size_t size) {
  if (state_ == State::closed) return;  // aborted or shut meanwhile
  std::optional<ReadError> error;
  if (!ec) {
    if (size < read_chunk_.size()) {
      error = reader_.read(std::span<char>(read_chunk_.data(), size), *this);
    } else {
      ec = drain(size, error);
    }
  }
  if (state_ == State::closed) return;
  if (error) {
    end(End::refused, close_code_of(*error), describe(*error));
    return;
  }
  if (ec) {
    on_socket_error();
    return;
  }
  if (!reader_.done()) read_next();
}

// The chunk is full, so more is probably waiting: read it now, without waiting for the
// loop to come round again. Returns the socket's error (would_block is none).
error_code Stream::drain(std::size_t first, std::optional<ReadError>& error) {
  std::span<char> buffer = drain_buffer();
  std::memcpy(buffer.data(), read_chunk_.data(), first);
  std::size_t held = first;
  for (;;) {
    error_code ec;
    held += socket_.read_some(net::buffer(buffer.data() + held, buffer.size() - held), ec);
    const bool full = held == buffer.size();
    if (held > 0) {
      error = reader_.read(buffer.first(held), *this);
      held = 0;
    }
    if (would_block(ec)) return {};
    if (ec || error || reader_.done() || state_ == State::closed || !full) return ec;
  }
}

bool Stream::on_message(bool binary, std::string_view data) {
  // After our close frame, data is read only to reach the client's close frame.
  if (state_ != State::open) return state_ == State::closing;
  if (handler_) handler_->on_message(*this, binary, data);
  return state_ != State::closed;
}

bool Stream::on_ping(std::string_view payload) {
  if (state_ == State::open) queue_frame(Opcode::pong, {}, util::SharedBytes(std::string(payload)));
  schedule_flush();
  return true;
}

bool Stream::on_pong(std::string_view) { return true; }

void Stream::on_close(std::optional<std::uint16_t> code, std::string_view) {
  hang_up_after_close_ = true;
  if (state_ == State::closing) {
    // The answer to our close frame: the handshake is complete.
    if (!writing_ && queued_.empty()) shut();
    return;
  }
  // The client's close: answer it with the same code, then hang up (the server closes
  // the TCP connection first, RFC 6455 §7.1.1).
  end(End::peer_closed, code.value_or(close_code::normal));
}

// ---- writing

void Stream::send(Opcode opcode, std::string_view prefix, util::SharedBytes body) {
  if (state_ != State::open) return;
  queue_frame(opcode, prefix, std::move(body));
  schedule_flush();
}

void Stream::queue_frame(Opcode opcode, std::string_view prefix, util::SharedBytes body) {
  OutFrame& frame = queued_.emplace_back();
  std::array<std::uint8_t, kMaxHeaderBytes> header;
  const std::size_t header_size = write_header(opcode, prefix.size() + body.size(), header);
  std::memcpy(frame.head.data(), header.data(), header_size);
  std::memcpy(frame.head.data() + header_size, prefix.data(), prefix.size());
  frame.head_size = static_cast<std::uint8_t>(header_size + prefix.size());
  frame.body = std::move(body);
  queued_bytes_ += frame.head_size + frame.body.size();
}

// Frames queued while the loop works on one turn go out together at its end.
void Stream::schedule_flush() {
  if (flush_queued_ || writing_ || state_ == State::closed) return;
  flush_queued_ = true;
  FlushQueue::of(net::query(socket_.get_executor(), net::execution::context)).add(shared_from_this());
}

void Stream::flush_turn() {
  flush_queued_ = false;
  flush();
}

// Writes the queue in one go: the socket's buffer nearly always takes it at once, so
// no operation is started; only what it could not take waits for an asynchronous write.
void Stream::flush() {
  if (writing_ || queued_.empty() || state_ == State::closed) return;
  writing_frames_.swap(queued_);
  std::vector<net::const_buffer>& buffers = pending_buffers_;
  buffers.clear();
  // Sized once: growing by doubling cost a fan-out's busy streams several allocations per write.
  buffers.reserve(2 * writing_frames_.size());
  for (const auto& frame : writing_frames_) {
    buffers.emplace_back(frame.head.data(), frame.head_size);
    if (!frame.body.empty()) buffers.emplace_back(frame.body.data(), frame.body.size());
  }
  error_code ec;
  std::size_t written = net::write(socket_, buffers, ec);
  if (!would_block(ec)) {
    on_batch_written(ec);
    return;
  }
  // Keep only what is left: the buffers past the written bytes, the first one cut.
  std::size_t first = 0;
  while (written >= buffers[first].size()) written -= buffers[first++].size();
  buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(first));
  buffers.front() += written;
  writing_ = true;
  net::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t) {
    self->writing_ = false;
    self->on_batch_written(ec);
  });
}

void Stream::on_batch_written(error_code ec) {
  if (state_ == State::closed) return;
  if (ec) {
    on_socket_error();
    return;
  }
  for (const auto& frame : writing_frames_) queued_bytes_ -= frame.head_size + frame.body.size();
  writing_frames_.clear();
  if (pending_buffers_.capacity() > 16) std::vector<net::const_buffer>().swap(pending_buffers_);
  if (handler_) handler_->on_written(*this);
  if (!queued_.empty()) {
    flush();
  } else if (close_queued_) {
    after_close_frame();
  }
}

// ---- ending

// A failed read or write. While closing, the client may simply hang up instead of
// answering our close frame: that is the end we were waiting for.
void Stream::on_socket_error() {
  if (state_ == State::closing) {
    shut();
  } else {
    end(End::broken);
  }
}

void Stream::queue_close(std::uint16_t code, std::string_view reason) {
  if (state_ != State::open) return;
  state_ = State::closing;
  // Timed from here, not from when the close frame is out: behind a large frame, a client
  // that stops reading would keep it queued, and the connection open, for ever.
  close_timer_ = std::make_unique<net::steady_timer>(socket_.get_executor(), close_timeout);
  close_timer_->async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->shut();
  });
  queue_frame(Opcode::close, {}, util::SharedBytes(close_payload(code, reason)));
  close_queued_ = true;
  flush_queued_ = false;  // a queued flush finds the queue taken and does nothing
  flush();
}

// Our close frame is out: hang up if the client has closed too, else the close timer
// waits for its answer.
void Stream::after_close_frame() {
  close_queued_ = false;
  if (hang_up_after_close_) shut();
}

void Stream::close(std::uint16_t code) {
  auto self = shared_from_this();  // the owner let go below may hold the last reference
  release_handler();
  queue_close(code, {});
}

void Stream::abort() {
  auto self = shared_from_this();
  release_handler();
  shut();
}

void Stream::detach() { release_handler(); }

void Stream::shut() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (close_timer_) close_timer_->cancel();
  queued_.clear();
  queued_bytes_ = 0;
  release_handler();
}

// Tells the handler last, once the stream has done its part, and keeps the owner alive
// until then.
void Stream::end(End end, std::uint16_t code, std::string_view reason) {
  std::shared_ptr<void> owner = std::move(owner_);
  StreamHandler* handler = std::exchange(handler_, nullptr);
  if (end == End::broken) {
    shut();
  } else {
    // A client that broke the protocol is not read any further, so its answer would never
    // be seen (RFC 6455 §7.1.7 lets us hang up at once).
    if (end == End::refused) hang_up_after_close_ = true;
    queue_close(code, reason);
  }
  if (handler) handler->on_end(*this, end);
}

void Stream::release_handler() {
  handler_ = nullptr;
  owner_.reset();
}

}  // namespace talkline::transport::websocket
