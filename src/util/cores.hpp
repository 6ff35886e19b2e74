#pragma once

namespace talkline::util {

/// The cores this process may run on (its CPU affinity), at least 1: a node pinned with
/// taskset to one core of a larger machine sizes its loops and pools for one core.
int usable_cores();

}  // namespace talkline::util
