-- Catalog: artists and releases, each owned by one account (every query is scoped by it).
CREATE TABLE artists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  isni TEXT NOT NULL DEFAULT '',
  spotify_id TEXT NOT NULL DEFAULT '',
  apple_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX artists_account_idx ON artists (account_id, id);

CREATE TABLE releases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  artist_id BIGINT NOT NULL REFERENCES artists (id),
  title TEXT NOT NULL,
  type TEXT NOT NULL,
  upc TEXT NOT NULL,
  release_date TEXT NOT NULL,
  original_release_date TEXT NOT NULL DEFAULT '',
  label_name TEXT NOT NULL DEFAULT '',
  genre TEXT NOT NULL DEFAULT '',
  p_line TEXT NOT NULL DEFAULT '',
  c_line TEXT NOT NULL DEFAULT '',
  parental_warning TEXT NOT NULL DEFAULT 'NotExplicit',
  territories TEXT NOT NULL DEFAULT 'Worldwide',
  status TEXT NOT NULL DEFAULT 'draft',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (account_id, upc)
);
CREATE INDEX releases_account_idx ON releases (account_id, id);
CREATE INDEX releases_artist_idx ON releases (artist_id);

-- Counters for identifiers the daemon assigns (UPCs per GS1 prefix, ISRCs per registrant and year).
CREATE TABLE identifier_counters (
  name TEXT PRIMARY KEY,
  next_value BIGINT NOT NULL
);
