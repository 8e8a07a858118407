-- Platforms releases are delivered to, and one delivery per release, platform and job. The
-- connector column holds the connector settings as JSON, secrets included: the API never shows it.
CREATE TABLE platforms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  max_concurrency INTEGER NOT NULL DEFAULT 4,
  rate_per_minute INTEGER NOT NULL DEFAULT 60,
  max_attempts INTEGER NOT NULL DEFAULT 5,
  connector TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- message_id is the DDEX MessageId and the idempotency key a platform dedupes on.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id BIGINT REFERENCES jobs (id) ON DELETE SET NULL, -- history outlives job retention
  account_id BIGINT NOT NULL REFERENCES users (id),
  release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  platform_id BIGINT NOT NULL REFERENCES platforms (id),
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL UNIQUE,
  batch_id TEXT NOT NULL DEFAULT '',
  ack_text TEXT NOT NULL DEFAULT '',
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  scheduled_at BIGINT,
  delivered_at BIGINT,
  acknowledged_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_job_idx ON deliveries (job_id, id);
CREATE INDEX deliveries_release_idx ON deliveries (release_id, platform_id, id);
