#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace talkline::util {

/// Immutable bytes held by reference count: copying a SharedBytes shares the buffer,
/// so an event serialised once reaches every recipient's send queue without a copy.
///
/// Threads: copies may be made, read and dropped on any thread at once (the count is
/// atomic, the bytes never change).
class SharedBytes {
 public:
  /// No bytes; allocates nothing.
  SharedBytes() = default;
  /// Takes the string's buffer: one allocation for the count, none for the bytes.
  explicit SharedBytes(std::string bytes);

  /// The bytes, alive as long as any copy of this SharedBytes is.
  const std::string& str() const { return bytes_ ? *bytes_ : no_bytes(); }
  std::string_view view() const { return str(); }
  const char* data() const { return str().data(); }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }

  /// How many SharedBytes hold this buffer (0 when there are no bytes): shows that a
  /// queue holds a reference rather than a copy.
  long use_count() const { return bytes_.use_count(); }

  /// Compares the bytes, not the buffers.
  friend bool operator==(const SharedBytes& a, const SharedBytes& b) { return a.view() == b.view(); }

 private:
  static const std::string& no_bytes();

  std::shared_ptr<const std::string> bytes_;
};

}  // namespace talkline::util
