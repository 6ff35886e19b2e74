-- TalkLine schema, version 4 (SQLite): reactions and pins.
--
-- Adding or removing a reaction, pinning or unpinning a message, is a change of the
-- conversation's feed (a message_changes row); these tables are the current state that
-- views read from. Both are keyed by the message's primary key.

-- One row per user, emoji and message: the counts of a page of history are one range read.
CREATE TABLE message_reactions (
  conversation_id INTEGER NOT NULL,
  message_seq     INTEGER NOT NULL,
  emoji           TEXT    NOT NULL,
  user_id         INTEGER NOT NULL REFERENCES users (id),
  created_at      INTEGER NOT NULL,
  -- The feed change that added it: a message's emoji are listed in the order of the
  -- earliest of their reactions still there, and commit order is exact where times tie.
  change_seq      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, message_seq, emoji, user_id)
) WITHOUT ROWID;

-- One row per pinned message.
CREATE TABLE message_pins (
  conversation_id INTEGER NOT NULL,
  message_seq     INTEGER NOT NULL,
  pinned_by       INTEGER NOT NULL REFERENCES users (id),
  pinned_at       INTEGER NOT NULL,
  change_seq      INTEGER NOT NULL,  -- the pin's change: pins are listed latest first by it
  PRIMARY KEY (conversation_id, message_seq)
) WITHOUT ROWID;

-- The feed's kinds grow by the pins. SQLite cannot alter a CHECK, so message_changes is
-- rebuilt with the same columns in the same order.
CREATE TABLE message_changes_v4 (
  conversation_id  INTEGER NOT NULL REFERENCES conversations (id),
  change_seq       INTEGER NOT NULL,
  kind             TEXT    NOT NULL
                   CHECK (kind IN ('edited', 'deleted', 'reacted', 'unreacted', 'pinned', 'unpinned')),
  message_id       INTEGER NOT NULL,
  message_seq      INTEGER NOT NULL,
  actor_id         INTEGER NOT NULL REFERENCES users (id),
  created_at       INTEGER NOT NULL,
  seq_before       INTEGER NOT NULL,
  client_change_id TEXT,
  body_digest      TEXT,
  emoji            TEXT,
  PRIMARY KEY (conversation_id, change_seq),
  UNIQUE (actor_id, client_change_id)
) WITHOUT ROWID;
INSERT INTO message_changes_v4 SELECT * FROM message_changes;
DROP TABLE message_changes;
ALTER TABLE message_changes_v4 RENAME TO message_changes;
CREATE INDEX message_changes_by_message ON message_changes (conversation_id, message_seq);
