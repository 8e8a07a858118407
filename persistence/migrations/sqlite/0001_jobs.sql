-- Jobs: one row per asynchronous piece of work; the row is the truth, actors are rebuilt from it.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  result TEXT NOT NULL DEFAULT 'null',
  error TEXT NOT NULL DEFAULT '',
  progress_total BIGINT NOT NULL DEFAULT 0,
  progress_done BIGINT NOT NULL DEFAULT 0,
  progress_failed BIGINT NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT NOT NULL DEFAULT 0,
  lease_epoch BIGINT NOT NULL DEFAULT 0,
  row_version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  scheduled_at BIGINT,
  started_at BIGINT,
  finished_at BIGINT
);
CREATE INDEX jobs_status_idx ON jobs (status, priority, scheduled_at);
CREATE INDEX jobs_account_created_idx ON jobs (account_id, created_at);
CREATE INDEX jobs_kind_status_idx ON jobs (kind, status);

-- Append-only history of every job.
CREATE TABLE job_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);
