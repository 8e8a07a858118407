-- Uploaded media and royalty splits. Audio belongs to the recording (every track with its ISRC
-- plays the same file); the front cover belongs to the release. Files live in the media directory
-- under their SHA-256; these rows hold what was measured.
CREATE TABLE recording_audio (
  recording_id BIGINT PRIMARY KEY REFERENCES recordings (id),
  file TEXT NOT NULL,
  format TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  sample_rate INTEGER NOT NULL,
  bit_depth INTEGER NOT NULL,
  channels INTEGER NOT NULL,
  frames BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  loudness_lufs DOUBLE PRECISION NOT NULL,
  true_peak_dbtp DOUBLE PRECISION NOT NULL,
  clipped_samples BIGINT NOT NULL,
  leading_silence_ms BIGINT NOT NULL,
  trailing_silence_ms BIGINT NOT NULL,
  uploaded_at BIGINT NOT NULL
);

CREATE TABLE release_artwork (
  release_id BIGINT PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
  file TEXT NOT NULL,
  format TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  colour_mode TEXT NOT NULL,
  bit_depth INTEGER NOT NULL,
  uploaded_at BIGINT NOT NULL
);

-- A recording's royalty shares in basis points; each row names a user or an outside payee.
CREATE TABLE splits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recording_id BIGINT NOT NULL REFERENCES recordings (id),
  position INTEGER NOT NULL,
  payee_user_id BIGINT REFERENCES users (id),
  payee_name TEXT NOT NULL DEFAULT '',
  share_bps INTEGER NOT NULL CHECK (share_bps BETWEEN 1 AND 10000),
  UNIQUE (recording_id, position)
);
CREATE INDEX splits_payee_idx ON splits (payee_user_id);
