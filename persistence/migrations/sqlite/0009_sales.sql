-- Sales reports as uploaded, and their usage rows. A report's rows count (analytics, royalties)
-- only once the report is `imported`: an import that fails leaves no rows, and one that was
-- interrupted is re-run after deleting what it wrote. A report that failed does not block the
-- same file (or MessageId) from being sent again; an imported or importing one does (409).
CREATE TABLE sales_reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  job_id BIGINT,
  format TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  message_id TEXT,
  platform TEXT NOT NULL DEFAULT '',
  usage_start TEXT NOT NULL DEFAULT '',
  usage_end TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  rows_total BIGINT NOT NULL DEFAULT 0,
  rows_unmatched BIGINT NOT NULL DEFAULT 0,
  problems TEXT NOT NULL DEFAULT '[]',
  file_path TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE UNIQUE INDEX sales_reports_sha_idx ON sales_reports (account_id, sha256) WHERE status <> 'failed';
CREATE UNIQUE INDEX sales_reports_message_idx ON sales_reports (account_id, message_id)
  WHERE status <> 'failed' AND message_id IS NOT NULL;

-- One usage line. recording_id / release_id are the account's recording (by ISRC) and release (by
-- UPC/ICPN) when they matched; NULL rows are the report's unmatched ones.
CREATE TABLE usage_rows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  report_id BIGINT NOT NULL REFERENCES sales_reports (id) ON DELETE CASCADE,
  account_id BIGINT NOT NULL,
  line BIGINT NOT NULL,
  platform TEXT NOT NULL,
  territory TEXT NOT NULL,
  usage_start TEXT NOT NULL,
  usage_end TEXT NOT NULL,
  isrc TEXT NOT NULL,
  upc TEXT NOT NULL,
  use_type TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  revenue_micros BIGINT NOT NULL,
  currency TEXT NOT NULL,
  recording_id BIGINT,
  release_id BIGINT
);
CREATE INDEX usage_rows_report_idx ON usage_rows (report_id, line);
