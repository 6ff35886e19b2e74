-- TalkLine schema, version 2 (SQLite): the word index is filled once per write
-- transaction instead of once per message.
--
-- The writer runs every job of a group commit inside its own savepoint, and FTS5 writes
-- its pending terms out as a new index segment at every savepoint boundary: indexing
-- from the insert trigger made one segment per message, and merging those segments was
-- about half of a send's cost in the store. The trigger now only notes the new message's
-- id; the writer moves the noted messages into the index right before each COMMIT, outside
-- any savepoint, so a commit writes one segment. It is the same transaction, so search
-- sees a message exactly when everything else does.

DROP TRIGGER messages_fts_insert;

CREATE TABLE messages_fts_pending (
  id INTEGER PRIMARY KEY
);

CREATE TRIGGER messages_fts_note AFTER INSERT ON messages
BEGIN
  INSERT INTO messages_fts_pending (id) VALUES (new.id);
END;
