-- TalkLine schema, version 4 (PostgreSQL): reactions and pins.
--
-- Adding or removing a reaction, pinning or unpinning a message, is a change of the
-- conversation's feed (a message_changes row); these tables are the current state that
-- views read from. Both are keyed by the message's primary key.

-- One row per user, emoji and message: the counts of a page of history are one index range.
CREATE TABLE message_reactions (
  conversation_id BIGINT NOT NULL,
  message_seq     BIGINT NOT NULL,
  emoji           TEXT   NOT NULL,
  user_id         BIGINT NOT NULL REFERENCES users (id),
  created_at      BIGINT NOT NULL,
  -- The feed change that added it: a message's emoji are listed in the order of the
  -- earliest of their reactions still there, and commit order is exact where times tie.
  change_seq      BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, message_seq, emoji, user_id),
  FOREIGN KEY (conversation_id, message_seq) REFERENCES messages (conversation_id, seq)
);

-- One row per pinned message.
CREATE TABLE message_pins (
  conversation_id BIGINT NOT NULL,
  message_seq     BIGINT NOT NULL,
  pinned_by       BIGINT NOT NULL REFERENCES users (id),
  pinned_at       BIGINT NOT NULL,
  change_seq      BIGINT NOT NULL,  -- the pin's change: pins are listed latest first by it
  PRIMARY KEY (conversation_id, message_seq),
  FOREIGN KEY (conversation_id, message_seq) REFERENCES messages (conversation_id, seq)
);

-- The feed's kinds grow by the pins.
ALTER TABLE message_changes DROP CONSTRAINT message_changes_kind_check;
ALTER TABLE message_changes ADD CONSTRAINT message_changes_kind_check
  CHECK (kind IN ('edited', 'deleted', 'reacted', 'unreacted', 'pinned', 'unpinned'));
