-- TalkLine schema, version 4 (SQLite): reactions.
--
-- One row per user, emoji and message. Adding or removing one is also a change of the
-- conversation's feed (a message_changes row of kind reacted or unreacted, migration
-- 0003); this table is the current state that message views count from. Keyed by the
-- message's primary key, so the counts of a page of history are one range read.
CREATE TABLE message_reactions (
  conversation_id INTEGER NOT NULL,
  message_seq     INTEGER NOT NULL,
  emoji           TEXT    NOT NULL,
  user_id         INTEGER NOT NULL REFERENCES users (id),
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, message_seq, emoji, user_id)
) WITHOUT ROWID;
