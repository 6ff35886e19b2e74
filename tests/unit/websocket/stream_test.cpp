// websocket::Stream over a real loopback connection, against Beast's client: the
// framing is checked by an independent implementation rather than by our own reader.
// One io_context runs both ends on the test thread; every wait has a deadline, so a
// stream that hangs fails its test instead of blocking the suite.

#include "transport/websocket/stream/stream.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "unit/websocket/client_frames.hpp"

namespace talkline::transport::websocket {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace beast_ws = boost::beast::websocket;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

struct Message {
  bool binary;
  std::string data;
  bool operator==(const Message&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Message& message) {
  return out << (message.binary ? "binary:" : "text:") << message.data;
}

class Recorder : public StreamHandler {
 public:
  std::vector<Message> messages;
  std::vector<End> ends;
  int written = 0;
  /// Runs after a message is recorded: a handler answering from inside the callback.
  std::function<void(Stream&, std::string_view)> answer;

  void on_message(Stream& stream, bool binary, std::string_view data) override {
    messages.push_back({binary, std::string(data)});
    if (answer) answer(stream, data);
  }
  void on_written(Stream&) override { ++written; }
  void on_end(Stream&, End end) override { ends.push_back(end); }
};

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7) % 251);
  return bytes;
}

class WebSocketStream : public ::testing::Test {
 protected:
  // What the client's reads and writes leave; shared with the pending operation, so a
  // read that never completes does not outlive what it writes to.
  struct ClientRead {
    bool done = false;
    error_code ec;
    beast::flat_buffer buffer;
    bool binary = false;
    std::string data() const { return beast::buffers_to_string(buffer.data()); }
  };
  struct ClientWrite {
    bool done = false;
    error_code ec;
    std::string data;
  };

  ~WebSocketStream() override {
    // Every pending operation ends with an error once both sockets are closed.
    if (server) server->abort();
    error_code ignored;
    client.next_layer().close(ignored);
    io.restart();
    io.run_for(5s);
  }

  void connect(std::size_t max_message = 1 << 20) {
    // Shared with the handlers, so that a handshake given up on leaves them nothing dangling.
    struct Handshake {
      explicit Handshake(net::io_context& io)
          : acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)), accepting(io) {}
      tcp::acceptor acceptor;
      beast_ws::stream<tcp::socket> accepting;
      std::optional<error_code> accepted;
      std::optional<error_code> handshaken;
    };
    auto handshake = std::make_shared<Handshake>(io);
    handshake->acceptor.async_accept(handshake->accepting.next_layer(), [handshake](error_code ec) {
      if (ec) {
        handshake->accepted = ec;
        return;
      }
      handshake->accepting.async_accept([handshake](error_code ec) { handshake->accepted = ec; });
    });
    client.next_layer().async_connect(handshake->acceptor.local_endpoint(), [this, handshake](error_code ec) {
      if (ec) {
        handshake->handshaken = ec;
        return;
      }
      client.async_handshake("127.0.0.1", "/", [handshake](error_code ec) { handshake->handshaken = ec; });
    });
    ASSERT_TRUE(run_until([&] { return handshake->accepted && handshake->handshaken; })) << "no handshake";
    ASSERT_FALSE(*handshake->accepted) << handshake->accepted->message();
    ASSERT_FALSE(*handshake->handshaken) << handshake->handshaken->message();
    // What engineio's accept_websocket does: Beast answers the handshake, the stream takes the socket.
    server = std::make_shared<Stream>(std::move(handshake->accepting.next_layer()), max_message);
    server->start(*handler, handler);
  }

  /// Runs the loop until `done` holds: false if the deadline passed, or nothing was left
  /// to run that could make it hold.
  bool run_until(const std::function<bool()>& done, std::chrono::steady_clock::duration limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.restart();
      if (io.run_one_for(20ms) == 0 && io.stopped()) return done();
    }
    return true;
  }

  std::shared_ptr<ClientRead> start_client_read() {
    auto read = std::make_shared<ClientRead>();
    client.async_read(read->buffer, [this, read](error_code ec, std::size_t) {
      read->ec = ec;
      read->binary = client.got_binary();
      read->done = true;
    });
    return read;
  }

  std::shared_ptr<ClientRead> client_read(std::chrono::steady_clock::duration limit = 10s) {
    auto read = start_client_read();
    EXPECT_TRUE(run_until([&] { return read->done; }, limit)) << "the client's read did not complete";
    return read;
  }

  std::shared_ptr<ClientWrite> start_client_write(bool binary, std::string data) {
    auto write = std::make_shared<ClientWrite>();
    write->data = std::move(data);
    client.binary(binary);
    client.async_write(net::buffer(write->data), [write](error_code ec, std::size_t) {
      write->ec = ec;
      write->done = true;
    });
    return write;
  }

  void client_write(bool binary, std::string data) {
    auto write = start_client_write(binary, std::move(data));
    ASSERT_TRUE(run_until([&] { return write->done; })) << "the client's write did not complete";
    ASSERT_FALSE(write->ec) << write->ec.message();
  }

  /// Writes bytes as they are on the client's socket, past Beast's framing.
  void client_write_raw(std::string bytes) {
    auto write = std::make_shared<ClientWrite>();
    write->data = std::move(bytes);
    net::async_write(client.next_layer(), net::buffer(write->data), [write](error_code ec, std::size_t) {
      write->ec = ec;
      write->done = true;
    });
    ASSERT_TRUE(run_until([&] { return write->done; })) << "the raw write did not complete";
    ASSERT_FALSE(write->ec) << write->ec.message();
  }

  net::io_context io;
  beast_ws::stream<tcp::socket> client{io};
  std::shared_ptr<Recorder> handler = std::make_shared<Recorder>();
  std::shared_ptr<Stream> server;
};

// ---- messages

TEST_F(WebSocketStream, TextAndBinaryMessagesGoBothWays) {
  ASSERT_NO_FATAL_FAILURE(connect());
  server->send(Opcode::text, "4", "hello");
  server->send(Opcode::binary, {}, pattern(300));

  auto first = client_read();
  EXPECT_FALSE(first->ec) << first->ec.message();
  EXPECT_FALSE(first->binary);
  EXPECT_EQ(first->data(), "4hello");
  auto second = client_read();
  EXPECT_TRUE(second->binary);
  EXPECT_EQ(second->data(), pattern(300));

  ASSERT_NO_FATAL_FAILURE(client_write(false, "hi \xE2\x9C\x93"));
  ASSERT_NO_FATAL_FAILURE(client_write(true, pattern(10)));
  ASSERT_TRUE(run_until([&] { return handler->messages.size() == 2; }));
  EXPECT_EQ(handler->messages, (std::vector<Message>{{false, "hi \xE2\x9C\x93"}, {true, pattern(10)}}));
  EXPECT_TRUE(handler->ends.empty());
}

TEST_F(WebSocketStream, FramesQueuedInOneTurnLeaveInOneWriteInOrder) {
  ASSERT_NO_FATAL_FAILURE(connect());
  std::size_t expected_bytes = 0;
  for (int i = 0; i < 200; ++i) {
    std::string body = "message " + std::to_string(i);
    expected_bytes += 2 + 1 + body.size();  // a 7-bit header and the prefix
    server->send(Opcode::text, "4", std::move(body));
  }
  EXPECT_EQ(server->queued_bytes(), expected_bytes);
  for (int i = 0; i < 200; ++i) {
    auto read = client_read();
    ASSERT_FALSE(read->ec) << read->ec.message();
    ASSERT_EQ(read->data(), "4message " + std::to_string(i));
  }
  EXPECT_EQ(server->queued_bytes(), 0U);
  EXPECT_EQ(handler->written, 1);
}

TEST_F(WebSocketStream, QueuedFramesReferenceTheSharedBodyRatherThanCopyIt) {
  ASSERT_NO_FATAL_FAILURE(connect());
  // One event for two recipients; here both frames go to one stream, which is the same
  // queue code each recipient's stream runs.
  const util::SharedBytes event(std::string("2[\"message:new\",") + std::string(300, 'b') + "]");
  server->send(Opcode::text, "4", event);
  server->send(Opcode::text, "4", event);
  EXPECT_EQ(event.use_count(), 3) << "a queued frame copied the body";
  EXPECT_EQ(server->queued_bytes(), 2 * (4 + 1 + event.size()));  // a 16-bit length header and the prefix

  // The bytes on the wire are the prefix and the body, unchanged, once per frame.
  for (int i = 0; i < 2; ++i) {
    auto read = client_read();
    ASSERT_FALSE(read->ec) << read->ec.message();
    EXPECT_FALSE(read->binary);
    EXPECT_EQ(read->data(), "4" + event.str());
  }
  EXPECT_EQ(event.use_count(), 1) << "a written frame still holds the body";
}

TEST_F(WebSocketStream, ASharedBodyOutlivesTheSendersCopyUntilItIsWritten) {
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string big = pattern(8 << 20);
  {
    util::SharedBytes body{std::string(big)};
    server->send(Opcode::binary, {}, body);
  }
  io.restart();
  io.poll();  // part of it goes out; the rest waits on the socket with no sender holding it
  ASSERT_GT(server->queued_bytes(), 0U) << "the socket took the whole frame: nothing was left to write later";

  auto read = client_read();
  ASSERT_FALSE(read->ec) << read->ec.message();
  EXPECT_TRUE(read->binary);
  EXPECT_TRUE(read->data() == big);
}

TEST_F(WebSocketStream, AFrameLargerThanTheSocketBufferArrivesWholeAfterAnAsynchronousRemainder) {
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string big = pattern(8 << 20);
  server->send(Opcode::binary, {}, big);
  server->send(Opcode::text, {}, "queued behind it");
  io.restart();
  io.poll();  // the posted flush: the socket takes what it can while the client reads nothing
  ASSERT_GT(server->queued_bytes(), 0U) << "the socket took the whole frame: nothing was left to write later";
  ASSERT_EQ(handler->written, 0);
  // Sent while the remainder is being written: it has to wait for it.
  server->send(Opcode::text, {}, "sent during the write");

  auto first = client_read();
  ASSERT_FALSE(first->ec) << first->ec.message();
  EXPECT_TRUE(first->binary);
  EXPECT_EQ(first->data().size(), big.size());
  EXPECT_TRUE(first->data() == big);
  EXPECT_EQ(client_read()->data(), "queued behind it");
  EXPECT_EQ(client_read()->data(), "sent during the write");
  ASSERT_TRUE(run_until([&] { return server->queued_bytes() == 0; }));
  EXPECT_GE(handler->written, 1);
}

TEST_F(WebSocketStream, TheHandlerCanAnswerFromOnMessage) {
  ASSERT_NO_FATAL_FAILURE(connect());
  handler->answer = [](Stream& stream, std::string_view data) { stream.send(Opcode::text, "re:", std::string(data)); };
  ASSERT_NO_FATAL_FAILURE(client_write(false, "ping me"));
  EXPECT_EQ(client_read()->data(), "re:ping me");
}

TEST_F(WebSocketStream, AClientMessageLargerThanTheReadChunkArrivesWhole) {
  ASSERT_NO_FATAL_FAILURE(connect());
  // One frame, then the same bytes in Beast's 4 KiB fragments.
  client.auto_fragment(false);
  ASSERT_NO_FATAL_FAILURE(client_write(true, pattern(300 * 1024)));
  client.auto_fragment(true);
  ASSERT_NO_FATAL_FAILURE(client_write(true, pattern(300 * 1024)));
  ASSERT_TRUE(run_until([&] { return handler->messages.size() == 2; }));
  EXPECT_TRUE(handler->messages[0] == (Message{true, pattern(300 * 1024)}));
  EXPECT_TRUE(handler->messages[1] == (Message{true, pattern(300 * 1024)}));
}

TEST_F(WebSocketStream, ManyClientFramesInOneWriteArriveInOrder) {
  ASSERT_NO_FATAL_FAILURE(connect());
  std::string bytes;
  std::vector<Message> expected;
  for (int i = 0; i < 300; ++i) {
    std::string body = "client message " + std::to_string(i);
    bytes += client_frames::text(body);
    expected.push_back({false, body});
  }
  ASSERT_GT(bytes.size(), 512U * 8);  // well past one read chunk
  ASSERT_NO_FATAL_FAILURE(client_write_raw(bytes));
  ASSERT_TRUE(run_until([&] { return handler->messages.size() == expected.size(); }));
  EXPECT_EQ(handler->messages, expected);
}

// ---- pings

TEST_F(WebSocketStream, AClientPingGetsAPongWithTheSamePayload) {
  ASSERT_NO_FATAL_FAILURE(connect());
  auto pongs = std::make_shared<std::vector<std::string>>();
  client.control_callback([pongs](beast_ws::frame_type kind, beast::string_view payload) {
    if (kind == beast_ws::frame_type::pong) pongs->emplace_back(payload.data(), payload.size());
  });
  auto reading = start_client_read();  // Beast sees control frames only while it reads
  auto pinged = std::make_shared<bool>(false);
  client.async_ping("are you there", [pinged](error_code) { *pinged = true; });
  ASSERT_TRUE(run_until([&] { return pongs->size() == 1; }));
  EXPECT_TRUE(*pinged);
  EXPECT_EQ(*pongs, std::vector<std::string>{"are you there"});
  EXPECT_FALSE(reading->done);
}

// ---- the close handshake

TEST_F(WebSocketStream, TheClientsCloseIsEchoedAndEndsTheStreamAsPeerClosed) {
  ASSERT_NO_FATAL_FAILURE(connect());
  auto closed = std::make_shared<std::optional<error_code>>();
  client.async_close(beast_ws::close_reason(static_cast<beast_ws::close_code>(4001), "bye"),
                     [closed](error_code ec) { *closed = ec; });
  ASSERT_TRUE(run_until([&] { return closed->has_value(); }));
  // No error: Beast got a close frame back, then the end of the connection (the server hangs up first).
  EXPECT_FALSE(**closed) << (*closed)->message();
  EXPECT_EQ(client.reason().code, 4001);
  EXPECT_EQ(handler->ends, std::vector<End>{End::peer_closed});
  EXPECT_FALSE(server->is_open());
  EXPECT_EQ(handler.use_count(), 1) << "the stream still holds its owner";
}

TEST_F(WebSocketStream, ACloseWithoutACodeIsAnsweredWithNormal) {
  ASSERT_NO_FATAL_FAILURE(connect());
  auto closed = std::make_shared<std::optional<error_code>>();
  client.async_close(beast_ws::close_code::none, [closed](error_code ec) { *closed = ec; });
  ASSERT_TRUE(run_until([&] { return closed->has_value(); }));
  EXPECT_FALSE(**closed) << (*closed)->message();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::normal);
  EXPECT_EQ(handler->ends, std::vector<End>{End::peer_closed});
}

TEST_F(WebSocketStream, CloseSendsANormalCloseAndHangsUpOnceTheClientAnswers) {
  ASSERT_NO_FATAL_FAILURE(connect());
  server->send(Opcode::text, {}, "before");
  server->close();
  EXPECT_EQ(handler.use_count(), 1) << "close() let go of the owner";
  server->send(Opcode::text, {}, "after");  // ignored: the stream is closing

  EXPECT_EQ(client_read()->data(), "before");
  // The close timer would hang up as well, only later: a deadline short of it tells
  // the two apart. Beast's read ends once the server has closed the connection.
  auto read = client_read(Stream::close_timeout / 2);
  EXPECT_EQ(read->ec, beast_ws::error::closed) << read->ec.message();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::normal);
  EXPECT_TRUE(handler->ends.empty());
  EXPECT_TRUE(handler->messages.empty());
}

TEST_F(WebSocketStream, CloseDuringALargeWriteSendsTheCloseFrameAfterIt) {
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string big = pattern(8 << 20);
  server->send(Opcode::binary, {}, big);
  io.restart();
  io.poll();
  ASSERT_GT(server->queued_bytes(), 0U) << "the socket took the whole frame: no write was under way";
  server->close(close_code::going_away);

  auto first = client_read();
  ASSERT_FALSE(first->ec) << first->ec.message();
  EXPECT_TRUE(first->data() == big);
  auto read = client_read(Stream::close_timeout / 2);
  EXPECT_EQ(read->ec, beast_ws::error::closed) << read->ec.message();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::going_away);
  EXPECT_TRUE(handler->ends.empty());
}

// A client that stops reading never lets the close frame out behind a large frame, so it
// can never answer it: close_timeout has to hang up on it all the same, or the socket and
// everything queued for it would stay for as long as the client keeps the connection.
TEST_F(WebSocketStream, CloseHangsUpOnAClientThatStopsReading) {
  ASSERT_NO_FATAL_FAILURE(connect());
  server->send(Opcode::binary, {}, pattern(8 << 20));
  io.restart();
  io.poll();
  ASSERT_GT(server->queued_bytes(), 0U) << "the socket took the whole frame: no write was under way";
  server->close();
  // Hanging up drops what is queued; the client reads nothing meanwhile.
  EXPECT_TRUE(run_until([&] { return server->queued_bytes() == 0; }, Stream::close_timeout + 10s))
      << "the stream still waits to write to a client that does not read";
}

TEST_F(WebSocketStream, AMessageOverTheLimitIsRefusedWith1009) {
  ASSERT_NO_FATAL_FAILURE(connect(1024));
  auto write = start_client_write(true, pattern(4096));
  auto read = client_read();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::too_big) << read->ec.message();
  EXPECT_TRUE(handler->messages.empty());
  EXPECT_EQ(handler->ends, std::vector<End>{End::refused});
  EXPECT_EQ(handler.use_count(), 1) << "the stream still holds its owner";
}

// The refusal comes while the client is still sending: what it has sent is unread
// when the server hangs up, which must not cost the client the close frame.
TEST_F(WebSocketStream, AMessageFarOverTheLimitIsRefusedWith1009WhileTheClientIsStillSending) {
  ASSERT_NO_FATAL_FAILURE(connect(1024));
  client.auto_fragment(false);
  auto write = start_client_write(true, pattern(8 << 20));
  auto read = client_read();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::too_big) << read->ec.message();
  EXPECT_EQ(handler->ends, std::vector<End>{End::refused});
}

TEST_F(WebSocketStream, AFrameBreakingTheProtocolIsRefusedWith1002) {
  ASSERT_NO_FATAL_FAILURE(connect());
  client_frames::ClientFrame unmasked = client_frames::frame(Opcode::text, "no mask");
  unmasked.masked = false;
  ASSERT_NO_FATAL_FAILURE(client_write_raw(client_frames::encode(unmasked)));
  auto read = client_read();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::protocol_error) << read->ec.message();
  EXPECT_EQ(handler->ends, std::vector<End>{End::refused});
}

TEST_F(WebSocketStream, TextThatIsNotUtf8IsRefusedWith1007) {
  ASSERT_NO_FATAL_FAILURE(connect());
  ASSERT_NO_FATAL_FAILURE(client_write_raw(client_frames::text("bad \xFF")));
  auto read = client_read();
  EXPECT_EQ(client.reason().code, beast_ws::close_code::bad_payload) << read->ec.message();
  EXPECT_EQ(handler->ends, std::vector<End>{End::refused});
}

// ---- ending without a handshake

TEST_F(WebSocketStream, AbortClosesWithoutTheHandlerHearingAnEnd) {
  ASSERT_NO_FATAL_FAILURE(connect());
  server->send(Opcode::text, {}, "dropped");  // queued, not yet flushed: abort drops it
  server->abort();
  EXPECT_FALSE(server->is_open());
  EXPECT_EQ(server->queued_bytes(), 0U);
  EXPECT_EQ(handler.use_count(), 1) << "abort() let go of the owner";
  auto read = client_read();
  EXPECT_TRUE(read->ec) << "the client read a message";
  EXPECT_NE(read->ec, beast_ws::error::closed) << "abort sent a close frame";
  EXPECT_TRUE(handler->ends.empty());
}

TEST_F(WebSocketStream, AClientThatVanishesEndsTheStreamAsBroken) {
  ASSERT_NO_FATAL_FAILURE(connect());
  error_code ignored;
  client.next_layer().close(ignored);  // no close frame
  ASSERT_TRUE(run_until([&] { return !handler->ends.empty(); }));
  EXPECT_EQ(handler->ends, std::vector<End>{End::broken});
  EXPECT_FALSE(server->is_open());
  EXPECT_EQ(handler.use_count(), 1) << "the stream still holds its owner";
}

}  // namespace
}  // namespace talkline::transport::websocket
