-- Steps of the diagnostic `sleep` job kind. The primary key is the proof that no step ever runs
-- twice: a repeated step would violate it and fail the job.
CREATE TABLE sleep_steps (
  job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (job_id, step)
);
