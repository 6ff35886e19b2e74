#include "realtime/gateway.hpp"

#include <algorithm>

#include "realtime/event_packets.hpp"
#include "realtime/events.hpp"
#include "transport/http/bearer_token.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
namespace sio = transport::socketio;
using boost::system::error_code;

namespace {

constexpr auto kSweepPeriod = std::chrono::milliseconds(250);

// The token from the CONNECT payload (`auth: {token}`), else from the handshake's
// Authorization header; empty when neither has one.
std::string token_of(const sio::Socket& socket) {
  const auto& auth = socket.auth();
  if (auth.is_object()) {
    auto it = auth.find("token");
    if (it != auth.end() && it->is_string()) return it->get<std::string>();
  }
  auto bearer = transport::http::bearer_token(socket.handshake());
  return bearer.ok() ? std::string(*bearer) : std::string();
}

sio::ConnectRefusal refusal(const Error& error) {
  return sio::ConnectRefusal{error.message, util::Json{{"code", std::string(error_code_name(error.code))}}};
}

}  // namespace

Gateway::Gateway(RealtimeOptions options, Services services, bus::Bus& bus)
    : options_(options),
      services_(services),
      bus_(bus),
      workers_(static_cast<std::size_t>(std::max(1, options.workers))),
      sweep_timer_(workers_.get_executor()),
      registry_(&bus),
      offline_([this](std::function<void()> drain) {
                 net::post(workers_, [self = shared_from_this(), drain = std::move(drain)] { drain(); });
               },
               {.online_again = [this](model::Id user_id) { return registry_.is_online(user_id); },
                .record = [this](const std::vector<model::LastSeen>& seen) { return services_.users.record_last_seen(seen); },
                .announce = [this](const model::LastSeen& seen) { publish_presence(seen.user_id, false, seen.at); }}),
      ordering_(*this, options, services.messages),
      catch_up_(*this, options, services, registry_, ordering_),
      typing_(*this, options, services, bus),
      events_(*this, options, services, typing_, catch_up_) {}

Gateway::~Gateway() { stop(); }

sio::NamespaceHandlers Gateway::handlers() {
  std::weak_ptr<Gateway> weak = weak_from_this();
  bus_.subscribe([weak](const bus::Envelope& envelope) {
    if (auto self = weak.lock()) self->deliver(envelope);
  });
  // The directory found the node that last held a user dead (exactly one node hears
  // of each), or lost and re-added a user held here.
  services_.presence.on_expired([weak](model::Id user_id, model::Millis last_seen) {
    if (auto self = weak.lock()) self->announce_presence(user_id, false, last_seen);
  });
  services_.presence.on_restored([weak](model::Id user_id) {
    if (auto self = weak.lock()) self->announce_presence(user_id, true, 0);
  });
  sio::NamespaceHandlers handlers;
  handlers.authorize = [weak](const SocketPtr& socket, sio::ConnectCallback done) {
    if (auto self = weak.lock()) {
      self->authorize(socket, std::move(done));
    } else {
      done(sio::ConnectRefusal{"server is shutting down", std::nullopt});
    }
  };
  handlers.on_connection = [weak](const SocketPtr& socket) {
    if (auto self = weak.lock()) self->connected(socket);
  };
  handlers.on_event = [weak](const SocketPtr& socket, const std::string& event, util::Json::array_t args,
                             sio::Ack ack) {
    if (auto self = weak.lock()) self->events_.on_event(socket, event, std::move(args), std::move(ack));
  };
  handlers.on_disconnect = [weak](const SocketPtr& socket, const std::string& reason) {
    if (auto self = weak.lock()) self->disconnected(socket, reason);
  };
  return handlers;
}

void Gateway::start() { schedule_sweep(); }

DeliveryInbox& Gateway::inbox_for(const transport::engineio::Loop& loop) {
  std::lock_guard lock(inboxes_mutex_);
  auto& inbox = inboxes_[&loop.context()];
  if (!inbox) {
    inbox = std::make_unique<DeliveryInbox>(loop, [this](std::vector<Delivery>& batch) { apply(batch); });
  }
  return *inbox;
}

void Gateway::stop() {
  if (stopped_.exchange(true)) return;
  // Connections hold sockets, which hold I/O objects of the HTTP server; they must
  // not outlive it.
  registry_.clear();
  net::post(sweep_timer_.get_executor(), [this] { sweep_timer_.cancel(); });
  workers_.join();
}

void Gateway::authorize(const SocketPtr& socket, sio::ConnectCallback done) {
  std::string token = token_of(*socket);
  net::post(workers_, [self = shared_from_this(), socket, token = std::move(token), done = std::move(done)] {
    if (token.empty()) {
      done(refusal(Error::unauthenticated("an access token is required: connect with auth: {token}")));
      return;
    }
    auto principal = self->services_.auth.authenticate(token);
    if (principal.ok()) {
      if (auto usable = self->services_.auth.account_usable(principal->user_id); !usable.ok()) {
        principal = usable.error();
      }
    }
    if (!principal.ok()) {
      done(refusal(principal.error()));
      return;
    }
    const auto& remote = socket->handshake().remote_address;
    if (!self->registry_.admits(principal->user_id, remote, self->options_.max_connections_per_user,
                                self->options_.max_connections_per_ip)) {
      util::metrics::node_metrics().refuse(util::metrics::Limit::socket_connections);
      done(refusal(Error::rate_limited("too many open connections for this user or address", 1)));
      return;
    }
    principal->connection_id = socket->id();
    socket->set_data(std::make_shared<SocketState>(SocketState{*principal, nullptr}));
    done(std::nullopt);
  });
}

void Gateway::connected(const SocketPtr& socket) {
  auto* state = socket->data<SocketState>();
  if (!state || stopped_) return;
  auto connection =
      std::make_shared<Connection>(socket, state->principal, socket->handshake().remote_address, socket->loop(),
                                   net::make_strand(workers_.get_executor()), &inbox_for(socket->loop()));
  connection->last_activity_ms = services_.clock.now_ms();
  // authorize() checked the limits, but several handshakes can pass that check before
  // any of them is added; the add itself decides.
  const auto added = registry_.add(connection, options_.max_connections_per_user, options_.max_connections_per_ip);
  if (!added.admitted) {
    end_connection(*connection, "too many open connections for this user or address");
    return;
  }
  state->connection = connection;
  const bool first = added.first;
  util::log::debug("realtime.connected", {{"user", static_cast<std::int64_t>(connection->principal.user_id)},
                                          {"socket", std::string_view(socket->id())}});
  // Catch-up reads the store only once the bus delivers this user's live envelopes
  // (on a Redis bus: once the user's channel is subscribed), so nothing falls between.
  bus_.await_interest(connection->principal.user_id, [weak = weak_from_this(), connection] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    net::co_spawn(
        connection->loop, [self, connection] { return self->catch_up_.run(connection); }, net::detached);
  });
  if (first) {
    // The directory counts calls, so a racing disconnect of the same user needs no
    // ordering with this.
    const auto user_id = connection->principal.user_id;
    auto answered = [weak = weak_from_this(), user_id](bool first_anywhere) {
      auto self = weak.lock();
      if (self && first_anywhere) self->announce_presence(user_id, true, 0);
    };
    services_.presence.node_online(user_id, std::move(answered));
  }
}

void Gateway::disconnected(const SocketPtr& socket, const std::string& reason) {
  auto* state = socket->data<SocketState>();
  if (!state || !state->connection) return;
  auto connection = std::move(state->connection);
  const bool last = registry_.remove(*connection);
  util::log::debug("realtime.disconnected", {{"user", static_cast<std::int64_t>(connection->principal.user_id)},
                                             {"reason", std::string_view(reason)}});
  if (last) {
    const auto user_id = connection->principal.user_id;
    const auto at = services_.clock.now_ms();
    auto answered = [weak = weak_from_this(), user_id, at](bool last_anywhere) {
      auto self = weak.lock();
      if (self && last_anywhere) self->announce_presence(user_id, false, at);
    };
    services_.presence.node_offline(user_id, at, std::move(answered));
  }
}

// Presence goes to everyone who shares a conversation with the user; finding them
// reads the store, so it happens on the workers (directory callbacks may run on
// Redis threads, which must not wait for the store either). Going offline first
// records lastSeenAt (OfflineAnnouncements, for many users in one write), so a contact
// who hears "offline" and reads the user's profile finds the same time.
void Gateway::announce_presence(model::Id user_id, bool online, model::Millis at) {
  if (stopped_) return;
  if (!online) {
    offline_.add({user_id, at});
    return;
  }
  net::post(workers_, [self = shared_from_this(), user_id, at] { self->publish_presence(user_id, true, at); });
}

void Gateway::publish_presence(model::Id user_id, bool online, model::Millis at) {
  services::Principal principal;
  principal.user_id = user_id;
  auto contacts = services_.conversations.contacts(principal);
  if (!contacts.ok() || contacts->empty()) return;
  util::Json presence = {{"userId", wire::id_json(user_id)},
                         {"status", online ? "online" : "offline"},
                         {"lastSeenAt", online ? util::Json(nullptr) : wire::time_json(at)}};
  bus::Envelope envelope;
  envelope.user_ids = std::move(*contacts);
  envelope.event = std::string(events::presence);
  envelope.payload_json = util::dump_json(presence);
  bus_.publish(envelope);
}

// Sorts one envelope's recipients by loop and queues one batch per loop; the frames
// are built once here and shared by every recipient.
void Gateway::deliver(const bus::Envelope& envelope) {
  if (envelope.end_session_id != 0) {
    for (auto user : envelope.user_ids) {
      for (const auto& connection : registry_.of_user(user)) {
        if (connection->principal.session_id == envelope.end_session_id) end_connection(*connection, "session ended");
      }
    }
    return;
  }
  // A member list never repeats a user, but an envelope may be put together by hand.
  std::vector<model::Id> users = envelope.user_ids;
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  const auto heard_ns = util::metrics::now_ns();
  const auto packets = shared_event_packets(envelope.event, envelope.payload_json);
  Delivery::Kind kind = Delivery::Kind::other;
  if (envelope.change_seq > 0) kind = Delivery::Kind::feed;
  if (envelope.event == events::typing) kind = Delivery::Kind::typing;
  // Almost always one loop or a few: a short list beats a map.
  std::vector<std::pair<DeliveryInbox*, std::vector<Delivery>>> by_loop;
  const bool has_own = !envelope.skip_connection.empty();
  const std::size_t own_hash = has_own ? std::hash<std::string>{}(envelope.skip_connection) : 0;
  registry_.for_each_of(users, [&](const std::shared_ptr<Connection>& connection) {
    const bool own = has_own && connection->socket_id_hash == own_hash &&
                     connection->socket->id() == envelope.skip_connection;
    // The connection a change came through gets the ack instead of the event; the ack
    // also counts the change as sent there (settle_own_change).
    if (own) return;
    auto slot = std::find_if(by_loop.begin(), by_loop.end(),
                             [&](const auto& entry) { return entry.first == connection->inbox; });
    if (slot == by_loop.end()) {
      slot = by_loop.insert(by_loop.end(), {connection->inbox, {}});
      slot->second.reserve(users.size());
    }
    slot->second.push_back(Delivery{
        connection, kind, envelope.conversation_id, envelope.change_seq, packets, {}, {}, heard_ns});
  });
  for (auto& [inbox, deliveries] : by_loop) inbox->push(deliveries);
}

// Metrics are taken once per batch where they can be: the delivery lag of the oldest
// envelope in it, one add for all its feed events.
void Gateway::apply(std::vector<Delivery>& deliveries) {
  auto& metrics = util::metrics::node_metrics();
  std::uint64_t oldest_ns = 0;
  std::uint64_t feed_events = 0;
  for (auto& delivery : deliveries) {
    auto& connection = *delivery.connection;
    const bool ack = delivery.kind == Delivery::Kind::ack;
    if (!ack && delivery.started_ns != 0 && (oldest_ns == 0 || delivery.started_ns < oldest_ns)) {
      oldest_ns = delivery.started_ns;
    }
    if (!connection.socket->connected()) continue;
    switch (delivery.kind) {
      case Delivery::Kind::feed:
        ++feed_events;
        catch_up_.offer_live_change(delivery.connection, delivery.conversation_id, delivery.change_seq,
                                    std::move(delivery.packets));
        break;
      case Delivery::Kind::typing:
        if (ChatEvents::in_room(connection, delivery.conversation_id)) connection.socket->send_raw(*delivery.packets);
        break;
      case Delivery::Kind::other: connection.socket->send_raw(*delivery.packets); break;
      case Delivery::Kind::ack: answer(delivery); break;
    }
  }
  if (feed_events != 0) metrics.messages.delivered.add(feed_events);
  if (oldest_ns != 0) metrics.bus.delivery_lag.observe(util::metrics::since_ns(oldest_ns));
}

void Gateway::answer(Delivery& answer) {
  if (answer.ack) {
    answer.ack.send_serialized(answer.ack_json);
    if (answer.started_ns != 0) {
      util::metrics::node_metrics().messages.ack_latency.observe(util::metrics::since_ns(answer.started_ns));
    }
  }
  if (answer.settles_own_change) settle_own_change(answer.connection, answer.conversation_id, answer.change_seq);
}

void Gateway::settle_own_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id,
                                model::Seq change_seq) {
  auto& unanswered = connection->ordering.own_changes_unanswered;
  if (unanswered > 0) --unanswered;
  if (change_seq > 0) catch_up_.offer_live_change(connection, conversation_id, change_seq, nullptr);
}

void Gateway::end_connection(Connection& connection, std::string_view reason) {
  connection.socket->emit(events::session_ended, {util::Json{{"reason", reason}}});
  connection.socket->disconnect(true);
}

void Gateway::schedule_sweep() {
  if (stopped_) return;
  sweep_timer_.expires_after(kSweepPeriod);
  sweep_timer_.async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->sweep();
    self->schedule_sweep();
  });
}

// Runs on a worker thread: withdraws stale typing indicators, closes idle
// connections, and now and then re-checks every connection's login session.
void Gateway::sweep() {
  const auto now = services_.clock.now_ms();
  typing_.withdraw_expired(now);
  const bool revalidate = now - last_revalidation_ms_ >= options_.revalidate_every.count() * 1000;
  const auto idle_ms = options_.idle_timeout.count() * 1000;
  if (!revalidate && idle_ms == 0) return;
  if (revalidate) last_revalidation_ms_ = now;
  std::vector<std::shared_ptr<Connection>> to_check;
  std::vector<services::Principal> principals;
  for (const auto& connection : registry_.all()) {
    if (idle_ms > 0 && now - connection->last_activity_ms.load() > idle_ms) {
      end_connection(*connection, "idle timeout");
      continue;
    }
    if (!revalidate) continue;
    to_check.push_back(connection);
    principals.push_back(connection->principal);
  }
  if (principals.empty()) return;
  auto ended = services_.auth.ended_sessions(principals);
  if (!ended.ok()) {
    // A store that cannot answer right now is no reason to drop everyone.
    util::log::warn("realtime.revalidation_skipped", {{"error", std::string_view(ended.error().message)}});
    return;
  }
  for (const auto& connection : to_check) {
    if (auto reason = ended->find(connection->principal.session_id); reason != ended->end()) {
      end_connection(*connection, reason->second.message);
    }
  }
}

}  // namespace talkline::realtime
