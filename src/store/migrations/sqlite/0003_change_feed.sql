-- TalkLine schema, version 3 (SQLite): the per-conversation change feed.
--
-- Every change of a conversation (a new message, an edit, a delete) takes the next
-- last_change_seq of its conversation row, under the same write lock as last_seq. A new
-- message keeps its number in its own row (change_seq), so a send writes no more rows or
-- index entries than before; every other change is a row of message_changes. Reading the
-- feed needs no index on messages.change_seq: between two rows of message_changes every
-- change is a creation, so those rows say which seqs the creations after them have.
--
-- Before this version every change was a message, so existing rows take their seq as
-- their change_seq.

ALTER TABLE conversations ADD COLUMN last_change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET last_change_seq = last_seq;

ALTER TABLE members ADD COLUMN delivered_change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE members SET delivered_change_seq = delivered_seq;

ALTER TABLE messages ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET change_seq = seq;

CREATE TABLE message_changes (
  conversation_id  INTEGER NOT NULL REFERENCES conversations (id),
  change_seq       INTEGER NOT NULL,
  kind             TEXT    NOT NULL CHECK (kind IN ('edited', 'deleted', 'reacted', 'unreacted')),
  message_id       INTEGER NOT NULL,
  message_seq      INTEGER NOT NULL,  -- with conversation_id, the message's primary key
  actor_id         INTEGER NOT NULL REFERENCES users (id),
  created_at       INTEGER NOT NULL,
  -- The conversation's last_seq when the change was made: the creations numbered after
  -- this change start at seq_before + 1.
  seq_before       INTEGER NOT NULL,
  client_change_id TEXT,
  -- An edit's new body or a reaction's emoji as its SHA-256 (NULL for a delete): with the
  -- key, it tells a retry from a reuse of the key for another request, without keeping
  -- the text.
  body_digest      TEXT,
  emoji            TEXT,  -- the emoji of a reaction added or removed; NULL otherwise
  PRIMARY KEY (conversation_id, change_seq),
  UNIQUE (actor_id, client_change_id)  -- the idempotency key of a change; NULLs never collide
) WITHOUT ROWID;

-- A second delete of a message answers with the first one; edits and deletes are rare
-- next to sends, so this index costs nothing on the send path.
CREATE INDEX message_changes_by_message ON message_changes (conversation_id, message_seq);
