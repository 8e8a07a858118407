-- Daily totals of imported usage (analytics and royalties read these, never the raw rows), and
-- royalty periods with their rates, advances and statements.
-- One row per report, matched recording and release, usage day, platform, territory and currency,
-- written when the report completes its import (in the same transaction). A hit recording with a
-- million usage lines a year has at most a few thousand of these.
CREATE TABLE usage_daily (
  report_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  recording_id BIGINT,
  release_id BIGINT,
  day TEXT NOT NULL,
  platform TEXT NOT NULL,
  territory TEXT NOT NULL,
  currency TEXT NOT NULL,
  streams BIGINT NOT NULL,
  downloads BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  revenue_micros BIGINT NOT NULL
);
CREATE INDEX usage_daily_recording_idx ON usage_daily (recording_id, day) WHERE recording_id IS NOT NULL;
CREATE INDEX usage_daily_release_idx ON usage_daily (release_id, day) WHERE release_id IS NOT NULL;
CREATE INDEX usage_daily_unreleased_idx ON usage_daily (recording_id, day) WHERE release_id IS NULL;
CREATE INDEX usage_daily_account_idx ON usage_daily (account_id, day);
CREATE INDEX usage_daily_report_idx ON usage_daily (report_id);

-- A period of an account: open -> calculating -> calculated -> finalized (immutable). Commission
-- and minimum payout are taken from the config when the period is created, so recalculating gives
-- the same statements whatever the config says later.
CREATE TABLE royalty_periods (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  commission_bps INTEGER NOT NULL,
  minimum_payout_micros BIGINT NOT NULL,
  job_id BIGINT,
  totals TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  calculated_at BIGINT,
  finalized_at BIGINT
);
CREATE INDEX royalty_periods_account_idx ON royalty_periods (account_id, period_start);

-- Value of one unit of `currency` in the period's currency, in micro-units.
CREATE TABLE royalty_rates (
  period_id BIGINT NOT NULL REFERENCES royalty_periods (id),
  currency TEXT NOT NULL,
  rate_micros BIGINT NOT NULL,
  PRIMARY KEY (period_id, currency)
);

-- Recoupable advances, paid by an account to a payee (a user or a name).
CREATE TABLE advances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id BIGINT NOT NULL REFERENCES users (id),
  payee_user_id BIGINT REFERENCES users (id),
  payee_name TEXT NOT NULL DEFAULT '',
  amount_micros BIGINT NOT NULL,
  currency TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX advances_account_idx ON advances (account_id);

-- A calculated period's statement per payee, and its lines per recording.
CREATE TABLE royalty_payees (
  period_id BIGINT NOT NULL REFERENCES royalty_periods (id),
  payee_key TEXT NOT NULL,
  payee_user_id BIGINT,
  payee_name TEXT NOT NULL DEFAULT '',
  earnings BIGINT NOT NULL,
  carried_in BIGINT NOT NULL,
  recouped BIGINT NOT NULL,
  balance BIGINT NOT NULL,
  payable BIGINT NOT NULL,
  carried_out BIGINT NOT NULL,
  advance_left BIGINT NOT NULL,
  PRIMARY KEY (period_id, payee_key)
);
CREATE INDEX royalty_payees_user_idx ON royalty_payees (payee_user_id);

CREATE TABLE royalty_lines (
  period_id BIGINT NOT NULL REFERENCES royalty_periods (id),
  payee_key TEXT NOT NULL,
  recording_id BIGINT NOT NULL,
  isrc TEXT NOT NULL,
  gross BIGINT NOT NULL,
  commission BIGINT NOT NULL,
  net BIGINT NOT NULL,
  share_bps INTEGER NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (period_id, payee_key, recording_id)
);
