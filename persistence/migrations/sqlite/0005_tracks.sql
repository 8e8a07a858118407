-- Recordings are identified by ISRC: the same recording may sit on several releases of one
-- account (the single and the album); splits and sales attach to the recording.
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  isrc TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (account_id, isrc)
);

CREATE TABLE tracks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  recording_id BIGINT NOT NULL REFERENCES recordings (id),
  title TEXT NOT NULL,
  position INTEGER NOT NULL,
  explicit INTEGER NOT NULL DEFAULT 0,
  contributors TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (release_id, position)
);
CREATE INDEX tracks_release_idx ON tracks (release_id, position);
CREATE INDEX tracks_recording_idx ON tracks (recording_id);
