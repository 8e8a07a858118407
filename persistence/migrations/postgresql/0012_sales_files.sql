-- DSR reports in several files (DDEX DSR Part 1 §6.3: FileNumber / NumberOfFiles in HEAD): each
-- file is uploaded on its own and kept here; the report waits (status `waiting`) until its last
-- file is in, then imports them in file order as one message. A single-file report has one row.
-- Usage rows say which file their line is in, and keep the musical work (ISWC and title, from
-- MW01 or AS02) of their resource for publishing splits.
ALTER TABLE sales_reports ADD COLUMN number_of_files BIGINT NOT NULL DEFAULT 1;

CREATE TABLE sales_report_files (
  report_id BIGINT NOT NULL REFERENCES sales_reports (id) ON DELETE CASCADE,
  file_number BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  file_path TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (report_id, file_number)
);
CREATE INDEX sales_report_files_sha_idx ON sales_report_files (sha256);
INSERT INTO sales_report_files (report_id, file_number, sha256, bytes, file_path, received_at)
  SELECT id, 1, sha256, 0, file_path, created_at FROM sales_reports;

ALTER TABLE usage_rows ADD COLUMN file_number BIGINT NOT NULL DEFAULT 1;
ALTER TABLE usage_rows ADD COLUMN iswc TEXT NOT NULL DEFAULT '';
ALTER TABLE usage_rows ADD COLUMN work_title TEXT NOT NULL DEFAULT '';
