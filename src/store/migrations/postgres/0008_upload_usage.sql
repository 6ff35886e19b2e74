-- TalkLine schema, version 8 (PostgreSQL): the bytes each user uploaded, by the hour.
--
-- The daily upload quota counts what a user uploaded, not what is still stored: a row of
-- uploads goes when its message is deleted or when the sweep takes it, and the quota must
-- not hand those bytes back. Each upload adds its size to its uploader's bucket of the hour
-- in the commit that records it; the upload sweep drops buckets past the quota window.
CREATE TABLE upload_usage (
  user_id    BIGINT NOT NULL REFERENCES users (id),
  -- The start of the hour, in ms since the epoch (a multiple of 3,600,000).
  hour_start BIGINT NOT NULL,
  bytes      BIGINT NOT NULL,
  PRIMARY KEY (user_id, hour_start)
);
-- The sweep drops old buckets without reading every user's.
CREATE INDEX upload_usage_by_hour ON upload_usage (hour_start);

-- The uploads stored at upgrade are all that is known of the usage before it.
INSERT INTO upload_usage (user_id, hour_start, bytes)
SELECT uploader_id, created_at - created_at % 3600000, SUM(size) FROM uploads
GROUP BY uploader_id, created_at - created_at % 3600000;

-- The quota reads the buckets, so this index only slowed uploads down.
DROP INDEX uploads_by_uploader;
