-- TalkLine schema, version 9 (SQLite): a user's login sessions, found by user.
--
-- Suspending an account revokes all of its sessions in one statement on the writer, which
-- every send waits behind. Without this index that statement reads every refresh token of
-- every user (one row per login and per refresh, kept after use); with it, only the tokens
-- of that user that are not revoked yet, the only ones it changes.
CREATE INDEX refresh_tokens_unrevoked_by_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
