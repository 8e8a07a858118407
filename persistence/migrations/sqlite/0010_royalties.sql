-- Analytics indexes on usage rows, and royalty periods with their rates, advances and statements.
CREATE INDEX usage_rows_recording_idx ON usage_rows (recording_id, usage_start) WHERE recording_id IS NOT NULL;
CREATE INDEX usage_rows_release_idx ON usage_rows (release_id, usage_start) WHERE release_id IS NOT NULL;
CREATE INDEX usage_rows_account_idx ON usage_rows (account_id, usage_start);

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
