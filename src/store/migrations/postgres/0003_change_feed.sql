-- TalkLine schema, version 3 (PostgreSQL): the per-conversation change feed.
--
-- Every conversation numbers its changes (a new message, an edit, a delete) 1, 2, 3…
-- without gaps in last_change_seq, next to last_seq on the row a send already locks and
-- writes. A new message keeps its number in its own row (messages.change_seq); every other
-- change is a row of message_changes. A send therefore writes no more rows and no more
-- index entries than before: there is deliberately no index on messages.change_seq, and
-- the feed is read by seq instead (change_queries.cpp explains how).
--
-- Before this migration every change was a message, so existing rows start with
-- change_seq = seq.

ALTER TABLE conversations ADD COLUMN last_change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET last_change_seq = last_seq;

-- The change_seq of the message at delivered_seq: catch-up resumes the feed after it.
ALTER TABLE members ADD COLUMN delivered_change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE members SET delivered_change_seq = delivered_seq;

ALTER TABLE messages ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET change_seq = seq;

-- One row per change that is not a message creation. seq_before is the conversation's
-- last_seq when the change was made: with it, the creations between two of these rows are
-- a known range of seqs.
CREATE TABLE message_changes (
  conversation_id  BIGINT NOT NULL REFERENCES conversations (id),
  change_seq       BIGINT NOT NULL,
  kind             TEXT   NOT NULL CHECK (kind IN ('edited', 'deleted', 'reacted', 'unreacted')),
  message_id       BIGINT NOT NULL,
  message_seq      BIGINT NOT NULL,
  actor_id         BIGINT NOT NULL REFERENCES users (id),
  created_at       BIGINT NOT NULL,
  seq_before       BIGINT NOT NULL,
  client_change_id TEXT,
  -- An edit's new body or a reaction's emoji as its SHA-256 (NULL for a delete): with the
  -- key, it tells a retry from a reuse of the key for another request, without keeping
  -- the text.
  body_digest      TEXT,
  emoji            TEXT,  -- the emoji of a reaction added or removed; NULL otherwise
  PRIMARY KEY (conversation_id, change_seq),
  FOREIGN KEY (conversation_id, message_seq) REFERENCES messages (conversation_id, seq),
  -- The idempotency key of a change; NULLs (no key) never collide.
  CONSTRAINT message_changes_client_change_id_key UNIQUE (actor_id, client_change_id)
);

-- A second delete of a message answers with the first one's row.
CREATE INDEX message_changes_by_message ON message_changes (conversation_id, message_seq);

-- The result columns grow by change_seq and deleted_at (the message columns in the
-- order of store/row_mappers.hpp), so both send functions are dropped and created anew.
DROP FUNCTION tl_message_append(BIGINT, BIGINT, BIGINT, TEXT, TEXT, BIGINT, BIGINT);
DROP FUNCTION tl_message_append_batch(BIGINT[], BIGINT[], BIGINT[], TEXT[], TEXT[], BIGINT[], BIGINT[]);

-- As in migration 0001, plus: the message takes last_change_seq + 1 with last_seq + 1, and
-- the sender's delivered_change_seq follows their delivered_seq. An edited or deleted
-- message no longer holds the body it was sent with, so a retry of its send is recognised
-- by conversation and reply target alone.
CREATE FUNCTION tl_message_append(p_conversation_id BIGINT, p_id BIGINT, p_sender_id BIGINT, p_client_msg_id TEXT,
                                  p_body TEXT, p_reply_to BIGINT, p_created_at BIGINT)
RETURNS TABLE (outcome TEXT, id BIGINT, conversation_id BIGINT, seq BIGINT, sender_id BIGINT, client_msg_id TEXT,
               body TEXT, reply_to BIGINT, created_at BIGINT, edited_at BIGINT, change_seq BIGINT, deleted_at BIGINT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  earlier messages%ROWTYPE;
  next_seq BIGINT;
  next_change_seq BIGINT;
BEGIN
  PERFORM 1 FROM conversations c WHERE c.id = p_conversation_id FOR UPDATE;
  SELECT * INTO earlier FROM messages m WHERE m.sender_id = p_sender_id AND m.client_msg_id = p_client_msg_id;
  IF FOUND THEN
    IF earlier.conversation_id <> p_conversation_id OR earlier.reply_to IS DISTINCT FROM p_reply_to
       OR (earlier.edited_at IS NULL AND earlier.deleted_at IS NULL AND earlier.body <> p_body) THEN
      RETURN QUERY SELECT 'conflict', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                          NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
      RETURN;
    END IF;
    RETURN QUERY SELECT 'retry', earlier.id, earlier.conversation_id, earlier.seq, earlier.sender_id,
                        earlier.client_msg_id, earlier.body, earlier.reply_to, earlier.created_at, earlier.edited_at,
                        earlier.change_seq, earlier.deleted_at;
    RETURN;
  END IF;
  PERFORM 1 FROM members mb WHERE mb.conversation_id = p_conversation_id AND mb.user_id = p_sender_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                        NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
    RETURN;
  END IF;
  IF p_reply_to IS NOT NULL THEN
    PERFORM 1 FROM messages m WHERE m.id = p_reply_to AND m.conversation_id = p_conversation_id;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'bad_reply', NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::TEXT, NULL::TEXT,
                          NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT;
      RETURN;
    END IF;
  END IF;
  UPDATE conversations c
     SET last_seq = c.last_seq + 1, last_change_seq = c.last_change_seq + 1, last_activity_at = p_created_at
   WHERE c.id = p_conversation_id RETURNING c.last_seq, c.last_change_seq INTO next_seq, next_change_seq;
  INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, reply_to, created_at, change_seq)
  VALUES (p_conversation_id, next_seq, p_id, p_sender_id, p_client_msg_id, p_body, p_reply_to, p_created_at,
          next_change_seq);
  -- The sender has obviously seen what they sent.
  UPDATE members mb SET delivered_seq = next_seq, read_seq = next_seq, delivered_change_seq = next_change_seq
   WHERE mb.conversation_id = p_conversation_id AND mb.user_id = p_sender_id;
  RETURN QUERY SELECT 'created', p_id, p_conversation_id, next_seq, p_sender_id, p_client_msg_id, p_body, p_reply_to,
                      p_created_at, NULL::BIGINT, next_change_seq, NULL::BIGINT;
END;
$$;

-- As in migration 0002, plus: each new message's change_seq is last_change_seq + its rank
-- in its conversation within the batch, exactly like its seq (every change of the batch is
-- a creation, so the two advance together), and the sender's delivered_change_seq follows
-- their delivered_seq. A retry of a changed message is recognised as in tl_message_append.
-- member_ids moves to the end, after the message columns.
CREATE FUNCTION tl_message_append_batch(p_conversation_ids BIGINT[], p_ids BIGINT[], p_sender_ids BIGINT[],
                                        p_client_msg_ids TEXT[], p_bodies TEXT[], p_reply_tos BIGINT[],
                                        p_created_ats BIGINT[])
RETURNS TABLE (outcome TEXT, id BIGINT, conversation_id BIGINT, seq BIGINT, sender_id BIGINT, client_msg_id TEXT,
               body TEXT, reply_to BIGINT, created_at BIGINT, edited_at BIGINT, change_seq BIGINT, deleted_at BIGINT,
               member_ids BIGINT[])
LANGUAGE plpgsql
-- Why these two settings: see migration 0002.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM conversations c WHERE c.id IN (SELECT unnest(p_conversation_ids)) ORDER BY c.id FOR UPDATE;
  RETURN QUERY
  WITH input AS (
    SELECT i.*
      FROM unnest(p_conversation_ids, p_ids, p_sender_ids, p_client_msg_ids, p_bodies, p_reply_tos, p_created_ats)
           WITH ORDINALITY AS i (conversation_id, id, sender_id, client_msg_id, body, reply_to, created_at, n)
  ),
  -- The contract's order of checks: retry, membership, reply target.
  checked AS (
    SELECT i.*, e.id AS earlier_id, e.conversation_id AS earlier_conversation_id, e.seq AS earlier_seq,
           e.body AS earlier_body, e.reply_to AS earlier_reply_to, e.created_at AS earlier_created_at,
           e.edited_at AS earlier_edited_at, e.change_seq AS earlier_change_seq, e.deleted_at AS earlier_deleted_at,
           CASE
             WHEN e.id IS NOT NULL THEN
               CASE WHEN e.conversation_id <> i.conversation_id OR e.reply_to IS DISTINCT FROM i.reply_to
                         OR (e.edited_at IS NULL AND e.deleted_at IS NULL AND e.body <> i.body)
                    THEN 'conflict' ELSE 'retry' END
             WHEN mb.user_id IS NULL THEN 'not_member'
             WHEN i.reply_to IS NOT NULL AND r.id IS NULL THEN 'bad_reply'
             ELSE 'created'
           END AS outcome
      FROM input i
      LEFT JOIN messages e ON e.sender_id = i.sender_id AND e.client_msg_id = i.client_msg_id
      LEFT JOIN members mb ON mb.conversation_id = i.conversation_id AND mb.user_id = i.sender_id
      LEFT JOIN messages r ON r.id = i.reply_to AND r.conversation_id = i.conversation_id
  ),
  -- Seqs and change_seqs follow input order within each conversation.
  numbered AS (
    SELECT ch.n, ch.conversation_id, ch.id, ch.sender_id, ch.client_msg_id, ch.body, ch.reply_to, ch.created_at,
           c.last_seq + row_number() OVER in_conversation AS new_seq,
           c.last_change_seq + row_number() OVER in_conversation AS new_change_seq,
           row_number() OVER in_conversation = 1 AS first_in_conversation
      FROM checked ch
      JOIN conversations c ON c.id = ch.conversation_id
     WHERE ch.outcome = 'created'
    WINDOW in_conversation AS (PARTITION BY ch.conversation_id ORDER BY ch.n)
  ),
  inserted AS (
    INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, reply_to, created_at, change_seq)
    SELECT nb.conversation_id, nb.new_seq, nb.id, nb.sender_id, nb.client_msg_id, nb.body, nb.reply_to,
           nb.created_at, nb.new_change_seq
      FROM numbered nb
  ),
  bumped AS (
    UPDATE conversations c
       SET last_seq = latest.new_seq, last_change_seq = latest.new_change_seq, last_activity_at = latest.created_at
      FROM (SELECT DISTINCT ON (nb.conversation_id) nb.conversation_id, nb.new_seq, nb.new_change_seq, nb.created_at
              FROM numbered nb ORDER BY nb.conversation_id, nb.n DESC) latest
     WHERE c.id = latest.conversation_id
  ),
  -- The sender has obviously seen what they sent. A sender's latest message in the batch
  -- has both their highest seq and their highest change_seq.
  cursors AS (
    UPDATE members mb SET delivered_seq = sent.seq, read_seq = sent.seq, delivered_change_seq = sent.change_seq
      FROM (SELECT nb.conversation_id, nb.sender_id, max(nb.new_seq) AS seq, max(nb.new_change_seq) AS change_seq
              FROM numbered nb GROUP BY nb.conversation_id, nb.sender_id) sent
     WHERE mb.conversation_id = sent.conversation_id AND mb.user_id = sent.sender_id
  ),
  audience AS (
    SELECT mb.conversation_id, array_agg(mb.user_id) AS member_ids
      FROM members mb
     WHERE mb.conversation_id IN (SELECT nb.conversation_id FROM numbered nb WHERE nb.first_in_conversation)
     GROUP BY mb.conversation_id
  )
  SELECT ch.outcome,
         CASE ch.outcome WHEN 'created' THEN ch.id WHEN 'retry' THEN ch.earlier_id END,
         CASE ch.outcome WHEN 'created' THEN ch.conversation_id WHEN 'retry' THEN ch.earlier_conversation_id END,
         CASE ch.outcome WHEN 'created' THEN nb.new_seq WHEN 'retry' THEN ch.earlier_seq END,
         CASE WHEN ch.outcome IN ('created', 'retry') THEN ch.sender_id END,
         CASE WHEN ch.outcome IN ('created', 'retry') THEN ch.client_msg_id END,
         CASE ch.outcome WHEN 'created' THEN ch.body WHEN 'retry' THEN ch.earlier_body END,
         CASE ch.outcome WHEN 'created' THEN ch.reply_to WHEN 'retry' THEN ch.earlier_reply_to END,
         CASE ch.outcome WHEN 'created' THEN ch.created_at WHEN 'retry' THEN ch.earlier_created_at END,
         CASE ch.outcome WHEN 'retry' THEN ch.earlier_edited_at END,
         CASE ch.outcome WHEN 'created' THEN nb.new_change_seq WHEN 'retry' THEN ch.earlier_change_seq END,
         CASE ch.outcome WHEN 'retry' THEN ch.earlier_deleted_at END,
         CASE WHEN nb.first_in_conversation THEN a.member_ids END
    FROM checked ch
    LEFT JOIN numbered nb ON nb.n = ch.n
    LEFT JOIN audience a ON a.conversation_id = nb.conversation_id
   ORDER BY ch.n;
END;
$$;
