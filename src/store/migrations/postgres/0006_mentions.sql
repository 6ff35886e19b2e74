-- The members a message mentions, resolved in the commit that sends or edits it. Keyed by
-- the message's primary key, so a page of history reads its mentions in one range; the
-- second index counts one member's mentions above their read cursor.
CREATE TABLE message_mentions (
  conversation_id BIGINT NOT NULL,
  seq             BIGINT NOT NULL,
  user_id         BIGINT NOT NULL REFERENCES users (id),
  PRIMARY KEY (conversation_id, seq, user_id),
  FOREIGN KEY (conversation_id, seq) REFERENCES messages (conversation_id, seq)
);
CREATE INDEX message_mentions_by_member ON message_mentions (conversation_id, user_id, seq);
