-- TalkLine schema, version 4 (PostgreSQL): reactions.
--
-- One row per user, emoji and message. Adding or removing one is also a change of the
-- conversation's feed (a message_changes row of kind reacted or unreacted, migration
-- 0003); this table is the current state that message views count from. Keyed by the
-- message's primary key, so the counts of a page of history are one index range.
CREATE TABLE message_reactions (
  conversation_id BIGINT NOT NULL,
  message_seq     BIGINT NOT NULL,
  emoji           TEXT   NOT NULL,
  user_id         BIGINT NOT NULL REFERENCES users (id),
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, message_seq, emoji, user_id),
  FOREIGN KEY (conversation_id, message_seq) REFERENCES messages (conversation_id, seq)
);
