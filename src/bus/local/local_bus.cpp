#include "bus/local/local_bus.hpp"

namespace talkline::bus {

void LocalBus::publish(const Envelope& envelope) {
  if (handler_) handler_(envelope);
}

void LocalBus::subscribe(Handler handler) { handler_ = std::move(handler); }

}  // namespace talkline::bus
