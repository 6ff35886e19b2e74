-- TalkLine schema, version 1 (PostgreSQL). The twin of migrations/sqlite/0001_init.sql:
-- same tables, columns and keys (ids BIGINT, times Unix milliseconds in BIGINT columns),
-- so both backends answer every Store call alike. What differs is the word index (a
-- tsvector column with a GIN index instead of FTS5) and tl_message_append, which does a
-- whole send in one round trip. The migration runner records this file in
-- schema_migrations and wraps it in one transaction; do not add BEGIN/COMMIT here.
--
-- Shard-ready: every conversation-scoped table is keyed by conversation_id first, so a
-- Citus distribution column or an application shard map can split by it (docs/HLD.md,
-- "PostgreSQL store and sharding by conversation_id", names the two global constraints
-- that would change).

-- unaccent folds accents in the word index ("Café" finds "cafe"); btree_gin lets that
-- index lead with conversation_id. Both are trusted extensions, so a database owner
-- without superuser rights can create them.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Words as SQLite's unicode61 tokenizer with remove_diacritics sees them: accents
-- stripped, case folded, no stemming and no stop words ('simple' after 'unaccent').
CREATE TEXT SEARCH CONFIGURATION talkline_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION talkline_words
  ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple;

CREATE TABLE users (
  id            BIGINT PRIMARY KEY,
  -- Lower-case. Collated bytewise, as SQLite compares TEXT, so ordering and prefix ranges
  -- do not depend on the server's locale.
  username      TEXT   COLLATE "C" NOT NULL UNIQUE,
  display_name  TEXT   NOT NULL DEFAULT '',
  bio           TEXT   NOT NULL DEFAULT '',
  avatar_url    TEXT   NOT NULL DEFAULT '',
  password_hash TEXT   NOT NULL,
  role          TEXT   NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    BIGINT NOT NULL,
  last_seen_at  BIGINT,
  banned_at     BIGINT
);

CREATE TABLE conversations (
  id               BIGINT PRIMARY KEY,
  kind             TEXT   NOT NULL CHECK (kind IN ('direct', 'group')),
  title            TEXT   NOT NULL DEFAULT '',
  -- "<smaller user id>:<larger user id>" for direct conversations; NULL for groups.
  direct_key       TEXT   UNIQUE,
  created_by       BIGINT NOT NULL REFERENCES users (id),
  created_at       BIGINT NOT NULL,
  last_seq         BIGINT NOT NULL DEFAULT 0,
  last_activity_at BIGINT NOT NULL
);

CREATE TABLE members (
  conversation_id BIGINT NOT NULL REFERENCES conversations (id),
  user_id         BIGINT NOT NULL REFERENCES users (id),
  role            TEXT   NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
  joined_at       BIGINT NOT NULL,
  delivered_seq   BIGINT NOT NULL DEFAULT 0,
  read_seq        BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);

-- "My conversations" and the search scope start from the user's membership rows.
CREATE INDEX members_by_user ON members (user_id, conversation_id);

CREATE TABLE messages (
  conversation_id BIGINT NOT NULL REFERENCES conversations (id),
  seq             BIGINT NOT NULL,
  id              BIGINT NOT NULL UNIQUE,  -- reply_to checks and search pages go by id
  sender_id       BIGINT NOT NULL REFERENCES users (id),
  client_msg_id   TEXT   NOT NULL,
  kind            TEXT   NOT NULL DEFAULT 'text',
  body            TEXT   NOT NULL,
  reply_to        BIGINT,
  created_at      BIGINT NOT NULL,
  edited_at       BIGINT,
  deleted_at      BIGINT,
  -- Computed by the server in the same row write, so the index can never lag the body.
  words           TSVECTOR GENERATED ALWAYS AS (to_tsvector('talkline_words', body)) STORED,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE (sender_id, client_msg_id)  -- the idempotency key of a send
);

-- The word index leads with the conversation, like every other index of the table: a
-- search names the caller's conversations and the index narrows to them itself.
CREATE INDEX messages_words ON messages USING gin (conversation_id, words);

CREATE TABLE refresh_tokens (
  id         BIGINT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users (id),
  family_id  BIGINT NOT NULL,
  token_hash TEXT   NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT,
  revoked_at BIGINT
);

CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- A whole send in one statement, so it costs one round trip and one implicit transaction.
-- Returns one row: `outcome` is 'created', 'retry' (the earlier message of this
-- (sender, client_msg_id), nothing written), 'conflict' (that key was used for other
-- content), 'not_member' or 'bad_reply'; the message columns are set for the first two.
--
-- The conversation row is locked first. That lock serialises sends to one conversation,
-- which is what makes seq = last_seq + 1 gap-free; taking it before the retry check also
-- means a concurrent retry of the same send waits for the first one and then finds it,
-- instead of failing on the unique key. The checks run in the Store contract's order:
-- retry, membership, reply target; only then is a seq taken.
CREATE FUNCTION tl_message_append(p_conversation_id BIGINT, p_id BIGINT, p_sender_id BIGINT, p_client_msg_id TEXT,
                                  p_body TEXT, p_reply_to BIGINT, p_created_at BIGINT)
RETURNS TABLE (outcome TEXT, id BIGINT, conversation_id BIGINT, seq BIGINT, sender_id BIGINT, client_msg_id TEXT,
               body TEXT, reply_to BIGINT, created_at BIGINT, edited_at BIGINT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  earlier messages%ROWTYPE;
  next_seq BIGINT;
BEGIN
  PERFORM 1 FROM conversations c WHERE c.id = p_conversation_id FOR UPDATE;
  SELECT * INTO earlier FROM messages m WHERE m.sender_id = p_sender_id AND m.client_msg_id = p_client_msg_id;
  IF FOUND THEN
    IF earlier.conversation_id <> p_conversation_id OR earlier.body <> p_body
       OR earlier.reply_to IS DISTINCT FROM p_reply_to THEN
      RETURN QUERY SELECT 'conflict', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                          NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
      RETURN;
    END IF;
    RETURN QUERY SELECT 'retry', earlier.id, earlier.conversation_id, earlier.seq, earlier.sender_id,
                        earlier.client_msg_id, earlier.body, earlier.reply_to, earlier.created_at, earlier.edited_at;
    RETURN;
  END IF;
  PERFORM 1 FROM members mb WHERE mb.conversation_id = p_conversation_id AND mb.user_id = p_sender_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                        NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
    RETURN;
  END IF;
  IF p_reply_to IS NOT NULL THEN
    PERFORM 1 FROM messages m WHERE m.id = p_reply_to AND m.conversation_id = p_conversation_id;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'bad_reply', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                          NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
      RETURN;
    END IF;
  END IF;
  UPDATE conversations c SET last_seq = c.last_seq + 1, last_activity_at = p_created_at
   WHERE c.id = p_conversation_id RETURNING c.last_seq INTO next_seq;
  INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, reply_to, created_at)
  VALUES (p_conversation_id, next_seq, p_id, p_sender_id, p_client_msg_id, p_body, p_reply_to, p_created_at);
  -- The sender has obviously seen what they sent.
  UPDATE members mb SET delivered_seq = next_seq, read_seq = next_seq
   WHERE mb.conversation_id = p_conversation_id AND mb.user_id = p_sender_id;
  RETURN QUERY SELECT 'created', p_id, p_conversation_id, next_seq, p_sender_id, p_client_msg_id, p_body, p_reply_to,
                      p_created_at, NULL::BIGINT;
END;
$$;
