-- TalkLine schema, version 9 (PostgreSQL): the word index takes each message as it commits.
--
-- With GIN's default fast update, new entries collect in a pending list, and the insert that
-- finds the list past gin_pending_list_limit (4 MB) merges all of it into the index inside
-- its own statement. For TalkLine that is one send batch every few seconds under load, which
-- then spends 80–100 ms of CPU on the merge while every send queued behind it waits: measured
-- at 5,000 sends/s on one core, the one commit in 3,000 that took the p99 past 50 ms. Without
-- the pending list each batch pays for its own words, and no single batch pays for thousands:
-- at 7,000 and 10,000 sends/s PostgreSQL's CPU stayed the same and the stalls were gone.
ALTER INDEX messages_words SET (fastupdate = off);
