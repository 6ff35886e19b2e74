#include "transport/socketio/server/socket.hpp"

#include "transport/socketio/server/client.hpp"
#include "util/log.hpp"

namespace talkline::transport::socketio {

namespace net = boost::asio;

Ack::Ack(std::weak_ptr<Socket> socket, std::uint64_t id)
    : socket_(std::move(socket)), id_(id), used_(std::make_shared<std::atomic<bool>>(false)) {}

void Ack::operator()(Json::array_t args) const {
  if (!used_ || used_->exchange(true)) return;
  auto socket = socket_.lock();
  if (!socket || !socket->connected()) return;
  socket->send_packet(make_ack(socket->nsp(), id_, std::move(args)));
}

void Ack::send_serialized(std::string_view args_json) const {
  if (!used_ || used_->exchange(true)) return;
  auto socket = socket_.lock();
  if (!socket || !socket->connected()) return;
  // What encode() writes for an ACK: type digit, namespace unless "/", id, arguments.
  std::string text;
  text.reserve(args_json.size() + socket->nsp().size() + 24);
  text.push_back(static_cast<char>('0' + static_cast<std::uint8_t>(PacketType::ack)));
  if (socket->nsp() != "/") {
    text += socket->nsp();
    text.push_back(',');
  }
  text += std::to_string(id_);
  text += args_json;
  socket->send_text_packet(std::move(text));
}

std::vector<engineio::Packet> to_engine_packets(EncodedPacket encoded) {
  std::vector<engineio::Packet> packets;
  packets.reserve(1 + encoded.attachments.size());
  packets.push_back(engineio::Packet::text(engineio::PacketType::message, std::move(encoded.text)));
  for (auto& attachment : encoded.attachments) packets.push_back(engineio::Packet::binary(std::move(attachment)));
  return packets;
}

Socket::Socket(std::string id, std::string nsp, Json auth, std::shared_ptr<engineio::Session> session,
               std::weak_ptr<Client> client)
    : id_(std::move(id)),
      nsp_(std::move(nsp)),
      auth_(std::move(auth)),
      session_(std::move(session)),
      client_(std::move(client)) {}

void Socket::send_packet(const Packet& packet) {
  if (auto valid = validate_packet(packet); !valid) {
    // A bug of ours, not the client's: log it rather than send what the peer would reject.
    util::log::error("socketio.invalid_outgoing_packet", {{"error", std::string_view(valid.error().message)}});
    return;
  }
  session_->send(to_engine_packets(encode(packet)));
}

void Socket::send_text_packet(std::string text) {
  session_->send(engineio::Packet::text(engineio::PacketType::message, std::move(text)));
}

void Socket::emit(std::string_view event, Json::array_t args) {
  send_packet(make_event(nsp_, std::string(event), std::move(args)));
}

void Socket::emit_with_ack(std::string_view event, Json::array_t args, AckCallback on_answer) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(acks_mutex_);
    id = next_ack_id_;
    next_ack_id_ = next_ack_id_ == kMaxAckId ? 0 : next_ack_id_ + 1;
    pending_acks_[id] = std::move(on_answer);
  }
  send_packet(make_event(nsp_, std::string(event), std::move(args), id));
}

void Socket::resolve_ack(std::uint64_t id, Json::array_t args) {
  AckCallback callback;
  {
    std::lock_guard lock(acks_mutex_);
    auto it = pending_acks_.find(id);
    if (it == pending_acks_.end()) return;
    callback = std::move(it->second);
    pending_acks_.erase(it);
  }
  if (callback) callback(std::move(args));
}

void Socket::send_raw(std::span<const engineio::Packet> packets) { session_->send(packets); }

void Socket::disconnect(bool close_connection) {
  auto client = client_.lock();
  if (!client) return;
  net::post(session_->loop(),
            [client, self = shared_from_this(), close_connection] { client->disconnect(self, close_connection); });
}

}  // namespace talkline::transport::socketio
