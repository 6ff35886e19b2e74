-- TalkLine schema, version 5 (SQLite): uploads and the blobs waiting to be freed.
--
-- An upload is a file in the BlobStore, recorded here once its bytes are stored. It is
-- attached to at most one message, by the message's primary key, in the send's commit.

CREATE TABLE uploads (
  id               INTEGER PRIMARY KEY,
  uploader_id      INTEGER NOT NULL REFERENCES users (id),
  size             INTEGER NOT NULL,
  content_type     TEXT    NOT NULL,
  sha256           TEXT    NOT NULL,
  blob_key         TEXT    NOT NULL,
  file_name        TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  -- The message it is attached to (both null while unattached), and its place in the
  -- message's list.
  conversation_id  INTEGER,
  message_seq      INTEGER,
  position         INTEGER,
  thumbnail_key    TEXT,
  thumbnail_size   INTEGER,
  thumbnail_width  INTEGER,
  thumbnail_height INTEGER
);
-- A page of history reads its attachments in one range, like its reactions.
CREATE INDEX uploads_by_message ON uploads (conversation_id, message_seq, position);
-- The daily quota sums one user's recent uploads.
CREATE INDEX uploads_by_uploader ON uploads (uploader_id, created_at);
-- The sweep finds old unattached uploads without reading the attached ones.
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE conversation_id IS NULL;

-- Blobs no row names any more, freed by a background job after the commit that let go
-- of them (docs/decisions.md D23).
CREATE TABLE blob_releases (
  blob_key  TEXT    PRIMARY KEY,
  queued_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blob_releases_by_age ON blob_releases (queued_at);

-- Whatever removes an upload row queues its blobs: the sweep, a delete, and any later way
-- of erasing messages, without each having to remember it.
CREATE TRIGGER uploads_release_blobs AFTER DELETE ON uploads
BEGIN
  INSERT OR IGNORE INTO blob_releases (blob_key, queued_at)
  VALUES (OLD.blob_key, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
  INSERT OR IGNORE INTO blob_releases (blob_key, queued_at)
  SELECT OLD.thumbnail_key, CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE OLD.thumbnail_key IS NOT NULL;
END;

-- A deleted message (a tombstone) or a message row removed outright keeps no files.
CREATE TRIGGER messages_delete_uploads_on_tombstone AFTER UPDATE OF deleted_at ON messages
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
  DELETE FROM uploads WHERE conversation_id = NEW.conversation_id AND message_seq = NEW.seq;
END;
CREATE TRIGGER messages_delete_uploads_on_removal AFTER DELETE ON messages
BEGIN
  DELETE FROM uploads WHERE conversation_id = OLD.conversation_id AND message_seq = OLD.seq;
END;
