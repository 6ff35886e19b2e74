-- TalkLine schema, version 7 (SQLite): message retention.
--
-- A conversation may keep its messages for fewer days than the server does
-- (retention_days, NULL: as the server says). The sweep goes through each conversation
-- in seq order and remembers how far it got (retention_swept_seq), so a sweep reads only
-- the messages after it, never the tombstones of earlier sweeps.
ALTER TABLE conversations ADD COLUMN retention_days INTEGER;
ALTER TABLE conversations ADD COLUMN retention_swept_seq INTEGER NOT NULL DEFAULT 0;

-- A message expired by the sweep is a deletion without an actor. SQLite cannot drop a
-- NOT NULL, so message_changes is rebuilt with the same columns in the same order; only a
-- deletion may lack its actor.
CREATE TABLE message_changes_v7 (
  conversation_id  INTEGER NOT NULL REFERENCES conversations (id),
  change_seq       INTEGER NOT NULL,
  kind             TEXT    NOT NULL
                   CHECK (kind IN ('edited', 'deleted', 'reacted', 'unreacted', 'pinned', 'unpinned')),
  message_id       INTEGER NOT NULL,
  message_seq      INTEGER NOT NULL,
  actor_id         INTEGER REFERENCES users (id),
  created_at       INTEGER NOT NULL,
  seq_before       INTEGER NOT NULL,
  client_change_id TEXT,
  body_digest      TEXT,
  emoji            TEXT,
  PRIMARY KEY (conversation_id, change_seq),
  UNIQUE (actor_id, client_change_id),
  CHECK (actor_id IS NOT NULL OR kind = 'deleted')
) WITHOUT ROWID;
INSERT INTO message_changes_v7 SELECT * FROM message_changes;
DROP TABLE message_changes;
ALTER TABLE message_changes_v7 RENAME TO message_changes;
CREATE INDEX message_changes_by_message ON message_changes (conversation_id, message_seq);
