#pragma once

#include <optional>
#include <string>

#include "model/types.hpp"

namespace talkline::model {

/// One refresh token of a login. A login starts a family; every refresh rotates the
/// token into a new row of the same family and marks the old one used. Presenting a
/// used token again means it was stolen, and the whole family is revoked.
struct RefreshToken {
  Id id = 0;
  Id user_id = 0;
  Id family_id = 0;        // the login session; access tokens carry it as `sid`
  std::string token_hash;  // SHA-256 of the opaque token, hex
  Millis created_at = 0;
  Millis expires_at = 0;
  std::optional<Millis> used_at;     // set when rotated
  std::optional<Millis> revoked_at;  // set when the family was revoked
};

}  // namespace talkline::model
