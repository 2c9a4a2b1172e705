-- Version 1 of resold's PostgreSQL state. `{s}` is the schema, quoted.

-- Times as resold prints them everywhere: RFC 3339, UTC, to the second.
CREATE FUNCTION {s}.utc(t timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- One state: its lineage (fixed at creation, carried over by a migration
-- from a local file) and the reseller account it belongs to.
CREATE TABLE {s}.workspaces (
  name       text PRIMARY KEY,
  lineage    text NOT NULL,
  account    text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every run that opened the state for writing: who, where, what, and how
-- it ended. `finished_at` NULL and no live lock session: the run died.
CREATE TABLE {s}.runs (
  id                 text PRIMARY KEY,
  workspace          text NOT NULL,
  operation          text NOT NULL,
  user_name          text NOT NULL,
  host               text NOT NULL,
  pid                bigint NOT NULL,
  resold_version     text NOT NULL,
  plan_fingerprint   text,
  ci_url             text,
  -- The lock session: its server pid and start, and what it locked.
  lock_pid           integer,
  lock_backend_start text,
  locked             jsonb,
  started_at         timestamptz NOT NULL DEFAULT now(),
  finished_at        timestamptz,
  outcome            text CHECK (outcome IN ('succeeded', 'failed', 'force-unlocked'))
);
CREATE INDEX runs_by_workspace ON {s}.runs (workspace, started_at);

-- One row per customer: its record as JSON and a version that rises on
-- every write, for compare-and-swap.
CREATE TABLE {s}.customers (
  workspace  text NOT NULL REFERENCES {s}.workspaces (name),
  name       text NOT NULL,
  record     jsonb NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  written_by text NOT NULL REFERENCES {s}.runs (id),
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace, name)
);

-- Every version of every customer, with the run that wrote it; a NULL
-- record is the customer leaving the state. Rows are only ever added.
CREATE TABLE {s}.history (
  workspace  text NOT NULL REFERENCES {s}.workspaces (name),
  name       text NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  record     jsonb,
  run_id     text NOT NULL REFERENCES {s}.runs (id),
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace, name, version)
);

CREATE FUNCTION {s}.history_is_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN
    RAISE EXCEPTION 'resold history is append-only (% refused)', TG_OP
      USING ERRCODE = 'restrict_violation';
  END $$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {s}.history
  FOR EACH ROW EXECUTE FUNCTION {s}.history_is_append_only();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON {s}.history
  FOR EACH STATEMENT EXECUTE FUNCTION {s}.history_is_append_only();
