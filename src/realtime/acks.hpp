#pragma once

// The shapes of socket acks (docs/protocol.md, "JSON shapes", Acks): {ok: true, ...} or
// {ok: false, error: {code, message}}.

#include "util/error.hpp"
#include "util/json.hpp"

namespace talkline::realtime {

/// `{ok: true}` plus the members of `fields` (an object).
util::Json ok_ack(util::Json fields = util::Json::object());
/// `{ok: false, error: {code, message[, fields][, retryAfter]}}`.
util::Json error_ack(const Error& error);

}  // namespace talkline::realtime
