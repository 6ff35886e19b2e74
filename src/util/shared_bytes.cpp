#include "util/shared_bytes.hpp"

#include <utility>

namespace talkline::util {

SharedBytes::SharedBytes(std::string bytes) {
  // Empty bytes stay unallocated, like the default.
  if (!bytes.empty()) bytes_ = std::make_shared<const std::string>(std::move(bytes));
}

const std::string& SharedBytes::no_bytes() {
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace talkline::util
