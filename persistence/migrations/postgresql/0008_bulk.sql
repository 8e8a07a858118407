-- A bulk distribution's releases, one row each, in the order asked: `pending` until checked,
-- then `queued` (its deliveries exist, under the bulk job) or `invalid` (reason says why). The
-- bulk actor checks them in chunks, each chunk with its deliveries in one transaction, so a crash
-- repeats nothing and loses nothing. release_id is as asked: it may be unknown or another account's.
CREATE TABLE bulk_items (
  job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  release_id BIGINT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, position)
);
CREATE INDEX bulk_items_status_idx ON bulk_items (job_id, status, position);
-- The open deliveries of a job, per platform, due first (the delivery loop reads these).
CREATE INDEX deliveries_job_status_idx ON deliveries (job_id, status, platform_id);
