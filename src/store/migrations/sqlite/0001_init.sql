-- TalkLine schema, version 1 (SQLite).
--
-- Kept to types and syntax a PostgreSQL twin can mirror line by line: INTEGER ids become
-- BIGINT, TEXT stays TEXT, times are Unix milliseconds in INTEGER columns. Only the
-- full-text table at the end is SQLite-specific. The migration runner records this file
-- in schema_migrations and wraps it in one transaction; do not add BEGIN/COMMIT here.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT    NOT NULL UNIQUE,  -- lower-case; the unique index also serves prefix search
  display_name  TEXT    NOT NULL DEFAULT '',
  bio           TEXT    NOT NULL DEFAULT '',
  avatar_url    TEXT    NOT NULL DEFAULT '',
  password_hash TEXT    NOT NULL,
  role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER,
  banned_at     INTEGER
);

CREATE TABLE conversations (
  id               INTEGER PRIMARY KEY,
  kind             TEXT    NOT NULL CHECK (kind IN ('direct', 'group')),
  title            TEXT    NOT NULL DEFAULT '',
  -- "<smaller user id>:<larger user id>" for direct conversations, so the pair is unique;
  -- NULL for groups (NULLs never collide in a UNIQUE index, here or in PostgreSQL).
  direct_key       TEXT    UNIQUE,
  created_by       INTEGER NOT NULL REFERENCES users (id),
  created_at       INTEGER NOT NULL,
  last_seq         INTEGER NOT NULL DEFAULT 0,
  last_activity_at INTEGER NOT NULL
);

CREATE TABLE members (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  user_id         INTEGER NOT NULL REFERENCES users (id),
  role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
  joined_at       INTEGER NOT NULL,
  delivered_seq   INTEGER NOT NULL DEFAULT 0,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);

-- "My conversations" starts from the user's membership rows. The list is ordered by the
-- conversation's last activity, which lives on the conversation row and changes with every
-- message; copying it into each member row would let an index deliver the order directly,
-- but would turn every message in a large group into one write per member. A user belongs
-- to tens or hundreds of conversations, so reading their memberships (this index covers the
-- join key) and sorting that handful is the cheaper side of the trade.
CREATE INDEX members_by_user ON members (user_id, conversation_id);

-- Clustered by conversation and seq: history pages and "last message" are range or point
-- reads of one conversation's rows, which is also the future shard key.
CREATE TABLE messages (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  seq             INTEGER NOT NULL,
  id              INTEGER NOT NULL UNIQUE,  -- search hits and reply_to checks look messages up by id
  sender_id       INTEGER NOT NULL REFERENCES users (id),
  client_msg_id   TEXT    NOT NULL,
  kind            TEXT    NOT NULL DEFAULT 'text',
  body            TEXT    NOT NULL,
  reply_to        INTEGER,
  created_at      INTEGER NOT NULL,
  edited_at       INTEGER,
  deleted_at      INTEGER,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE (sender_id, client_msg_id)  -- the idempotency key of a send
) WITHOUT ROWID;

-- Word index over message bodies. Contentless: the bodies already live in `messages`, so
-- the index keeps only terms, keyed by rowid = messages.id, and hits are joined back by id.
-- unicode61 with remove_diacritics 2 folds case and accents ("Café" finds "cafe") and
-- splits on punctuation; whole-word matching is what the search API promises, so the
-- larger trigram index is not used. `scope` holds one token, "c<conversation_id>", so a
-- search names the caller's conversations inside the MATCH and the index itself narrows
-- to them instead of walking every hit in the database.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  body,
  scope,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- Indexing from a trigger keeps every insert path in step with the search index, inside
-- the same transaction as the message row.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
BEGIN
  INSERT INTO messages_fts (rowid, body, scope) VALUES (new.id, new.body, 'c' || new.conversation_id);
END;

CREATE TABLE refresh_tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  family_id  INTEGER NOT NULL,
  token_hash TEXT    NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  revoked_at INTEGER
);

-- Revoking a login session and checking whether it is active both go by family.
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
