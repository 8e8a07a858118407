-- Several nodes on one database (docs/scaling.md). Each node has a row it renews by heartbeat;
-- a job is run by the node named in its lease (jobs.lease_owner, lease_expires_at, lease_epoch);
-- cluster duties run on the node holding the one leader lease.
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  version TEXT NOT NULL,
  pid BIGINT NOT NULL,
  incarnation TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  left_at BIGINT
);

CREATE TABLE cluster_leader (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  node TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
INSERT INTO cluster_leader (id, node, epoch, acquired_at, expires_at) VALUES (1, '', 0, 0, 0);

-- Renewing a node's leases and finding claimable work read only the jobs still to run.
CREATE INDEX jobs_lease_owner_idx ON jobs (lease_owner) WHERE status IN ('queued', 'running', 'retrying');
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, id) WHERE status IN ('queued', 'running', 'retrying');
