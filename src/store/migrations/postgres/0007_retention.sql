-- TalkLine schema, version 7 (PostgreSQL): message retention.
--
-- A conversation may keep its messages for fewer days than the server does
-- (retention_days, NULL: as the server says). The sweep goes through each conversation
-- in seq order and remembers how far it got (retention_swept_seq), so a sweep reads only
-- the messages after it, never the tombstones of earlier sweeps.
ALTER TABLE conversations
  ADD COLUMN retention_days INTEGER,
  ADD COLUMN retention_swept_seq BIGINT NOT NULL DEFAULT 0;

-- A message expired by the sweep is a deletion without an actor.
ALTER TABLE message_changes ALTER COLUMN actor_id DROP NOT NULL;
ALTER TABLE message_changes ADD CONSTRAINT message_changes_actor_check
  CHECK (actor_id IS NOT NULL OR kind = 'deleted');
