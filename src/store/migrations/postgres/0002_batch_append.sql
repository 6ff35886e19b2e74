-- TalkLine schema, version 2 (PostgreSQL): a whole group commit of sends in one statement.
--
-- tl_message_append does one send with seven statements of its own, and at 2,000 sends/s
-- each of them (executor start-up, a plan, an index probe) cost more than the data it
-- touched. tl_message_append_batch does the same work for a batch with a fixed number of
-- statements: the conversations are locked once each, the checks are joins, every new row
-- goes in with one INSERT, and each conversation's last_seq and each sender's cursor are
-- written once. tl_message_append stays for the one-by-one path after a failed batch.

-- One outcome row per input, in input order, as tl_message_append answers one send:
-- `outcome` is 'created', 'retry', 'conflict', 'not_member' or 'bad_reply', the message
-- columns are set for the first two, and `member_ids` (the conversation's members, read
-- under its row lock) is set on the first 'created' row of each conversation.
--
-- The result equals running tl_message_append on the inputs one after another provided no
-- two inputs share (sender_id, client_msg_id) and no input replies to another input of the
-- same call: the caller starts a new batch at such an input (AppendWriter does). Inputs
-- that break this are still safe: a repeated key fails the whole call on the unique key.
--
-- The conversation rows are locked first, in id order, so two callers' batches cannot
-- deadlock and a concurrent retry of one send waits for the first and then finds it. The
-- checks and the seqs are read by the next statement, whose snapshot is taken after the
-- locks were granted, so last_seq is the committed one and seq stays gap-free across nodes.
CREATE FUNCTION tl_message_append_batch(p_conversation_ids BIGINT[], p_ids BIGINT[], p_sender_ids BIGINT[],
                                        p_client_msg_ids TEXT[], p_bodies TEXT[], p_reply_tos BIGINT[],
                                        p_created_ats BIGINT[])
RETURNS TABLE (outcome TEXT, id BIGINT, conversation_id BIGINT, seq BIGINT, sender_id BIGINT, client_msg_id TEXT,
               body TEXT, reply_to BIGINT, created_at BIGINT, edited_at BIGINT, member_ids BIGINT[])
LANGUAGE plpgsql
-- Planned once per connection: a custom plan per call (the arrays change every time) cost
-- more than the whole batch's work. Every lookup is by key, and without seq scans the plan
-- is index probes per input row whatever the statistics say: with the small conversations
-- and members tables of a new database the planner otherwise hashes the whole table for
-- every batch (measured: over a third of PostgreSQL's time at 2,000 sends/s).
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
           e.edited_at AS earlier_edited_at,
           CASE
             WHEN e.id IS NOT NULL THEN
               CASE WHEN e.conversation_id <> i.conversation_id OR e.body <> i.body
                         OR e.reply_to IS DISTINCT FROM i.reply_to THEN 'conflict' ELSE 'retry' END
             WHEN mb.user_id IS NULL THEN 'not_member'
             WHEN i.reply_to IS NOT NULL AND r.id IS NULL THEN 'bad_reply'
             ELSE 'created'
           END AS outcome
      FROM input i
      LEFT JOIN messages e ON e.sender_id = i.sender_id AND e.client_msg_id = i.client_msg_id
      LEFT JOIN members mb ON mb.conversation_id = i.conversation_id AND mb.user_id = i.sender_id
      LEFT JOIN messages r ON r.id = i.reply_to AND r.conversation_id = i.conversation_id
  ),
  -- Seqs follow input order within each conversation.
  numbered AS (
    SELECT ch.n, ch.conversation_id, ch.id, ch.sender_id, ch.client_msg_id, ch.body, ch.reply_to, ch.created_at,
           c.last_seq + row_number() OVER (PARTITION BY ch.conversation_id ORDER BY ch.n) AS new_seq,
           row_number() OVER (PARTITION BY ch.conversation_id ORDER BY ch.n) = 1 AS first_in_conversation
      FROM checked ch
      JOIN conversations c ON c.id = ch.conversation_id
     WHERE ch.outcome = 'created'
  ),
  inserted AS (
    INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, reply_to, created_at)
    SELECT nb.conversation_id, nb.new_seq, nb.id, nb.sender_id, nb.client_msg_id, nb.body, nb.reply_to,
           nb.created_at
      FROM numbered nb
  ),
  bumped AS (
    UPDATE conversations c SET last_seq = latest.new_seq, last_activity_at = latest.created_at
      FROM (SELECT DISTINCT ON (nb.conversation_id) nb.conversation_id, nb.new_seq, nb.created_at
              FROM numbered nb ORDER BY nb.conversation_id, nb.n DESC) latest
     WHERE c.id = latest.conversation_id
  ),
  -- The sender has obviously seen what they sent.
  cursors AS (
    UPDATE members mb SET delivered_seq = sent.seq, read_seq = sent.seq
      FROM (SELECT nb.conversation_id, nb.sender_id, max(nb.new_seq) AS seq
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
         CASE WHEN nb.first_in_conversation THEN a.member_ids END
    FROM checked ch
    LEFT JOIN numbered nb ON nb.n = ch.n
    LEFT JOIN audience a ON a.conversation_id = nb.conversation_id
   ORDER BY ch.n;
END;
$$;
