#pragma once

#include "bus/bus.hpp"

namespace talkline::bus {

/// The bus of a single node: publish calls the handler at once, on the caller's thread.
class LocalBus final : public Bus {
 public:
  void publish(const Envelope& envelope) override;
  void subscribe(Handler handler) override;

 private:
  Handler handler_;
};

}  // namespace talkline::bus
