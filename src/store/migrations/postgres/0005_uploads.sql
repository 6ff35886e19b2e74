-- TalkLine schema, version 5 (PostgreSQL): uploads and the blobs waiting to be freed.
--
-- An upload is a file in the BlobStore, recorded here once its bytes are stored. It is
-- attached to at most one message, by the message's primary key, in the send's commit.

CREATE TABLE uploads (
  id               BIGINT PRIMARY KEY,
  uploader_id      BIGINT NOT NULL REFERENCES users (id),
  size             BIGINT NOT NULL,
  content_type     TEXT   NOT NULL,
  sha256           TEXT   NOT NULL,
  blob_key         TEXT   NOT NULL,
  file_name        TEXT   NOT NULL,
  created_at       BIGINT NOT NULL,
  -- The message it is attached to (both null while unattached), and its place in the
  -- message's list.
  conversation_id  BIGINT,
  message_seq      BIGINT,
  position         INTEGER,
  thumbnail_key    TEXT,
  thumbnail_size   BIGINT,
  thumbnail_width  INTEGER,
  thumbnail_height INTEGER
);
-- A page of history reads its attachments in one statement, like its reactions.
CREATE INDEX uploads_by_message ON uploads (conversation_id, message_seq, position);
-- The daily quota sums one user's recent uploads.
CREATE INDEX uploads_by_uploader ON uploads (uploader_id, created_at);
-- The sweep finds old unattached uploads without reading the attached ones.
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE conversation_id IS NULL;

-- Blobs no row names any more, freed by a background job after the commit that let go
-- of them (docs/decisions.md D23).
CREATE TABLE blob_releases (
  blob_key  TEXT   PRIMARY KEY,
  queued_at BIGINT NOT NULL
);
CREATE INDEX blob_releases_by_age ON blob_releases (queued_at);

-- Whatever removes an upload row queues its blobs: the sweep, a delete, and any later way
-- of erasing messages, without each having to remember it.
CREATE FUNCTION tl_upload_release_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
BEGIN
  INSERT INTO blob_releases (blob_key, queued_at) VALUES (OLD.blob_key, now_ms) ON CONFLICT DO NOTHING;
  IF OLD.thumbnail_key IS NOT NULL THEN
    INSERT INTO blob_releases (blob_key, queued_at) VALUES (OLD.thumbnail_key, now_ms) ON CONFLICT DO NOTHING;
  END IF;
  RETURN OLD;
END;
$$;
CREATE TRIGGER uploads_release_blobs AFTER DELETE ON uploads
  FOR EACH ROW EXECUTE FUNCTION tl_upload_release_blobs();

-- A deleted message (a tombstone) or a message row removed outright keeps no files.
CREATE FUNCTION tl_message_delete_uploads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM uploads u WHERE u.conversation_id = OLD.conversation_id AND u.message_seq = OLD.seq;
  RETURN NULL;
END;
$$;
CREATE TRIGGER messages_delete_uploads_on_tombstone AFTER UPDATE OF deleted_at ON messages
  FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION tl_message_delete_uploads();
CREATE TRIGGER messages_delete_uploads_on_removal AFTER DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION tl_message_delete_uploads();
