-- The registry: agencies, access tokens, projects with their parts, business-case versions,
-- thresholds over time, idempotent POSTs and the audit trail.
-- Money is INTEGER cents throughout; dates are TEXT 'YYYY-MM-DD'; times TEXT RFC 3339 UTC.

CREATE TABLE agencies (
    code       TEXT PRIMARY KEY NOT NULL CHECK (length(code) BETWEEN 2 AND 32),
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('national', 'regional', 'local')),
    created_at TEXT NOT NULL
) STRICT;

-- A token is shown once; only the SHA-256 of its secret is kept.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    secret_hash TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('centre', 'agency')),
    agency_code TEXT REFERENCES agencies (code),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK ((role = 'agency') = (agency_code IS NOT NULL))
) STRICT;

CREATE TABLE projects (
    id                      INTEGER PRIMARY KEY,
    agency_code             TEXT NOT NULL REFERENCES agencies (code),
    external_id             TEXT NOT NULL,
    title                   TEXT NOT NULL,
    description             TEXT,
    category                TEXT,
    status                  TEXT NOT NULL DEFAULT 'proposed'
        CHECK (status IN ('proposed', 'submitted', 'approved', 'in_execution', 'completed', 'on_hold', 'cancelled')),
    status_before_hold      TEXT,
    whole_life_cost_cents   INTEGER NOT NULL CHECK (whole_life_cost_cents >= 0),
    spend_to_date_cents     INTEGER CHECK (spend_to_date_cents >= 0),
    start_date              TEXT,
    planned_end_date        TEXT NOT NULL,
    forecast_end_date       TEXT,
    risk_rating             INTEGER CHECK (risk_rating BETWEEN 1 AND 5),
    owner_name              TEXT,
    owner_role              TEXT,
    owner_email             TEXT,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (agency_code, external_id)
) STRICT;

-- One index per filter and sort of the list endpoint; each ends in id for a stable cursor.
CREATE INDEX projects_by_agency ON projects (agency_code, id);
CREATE INDEX projects_by_status ON projects (status, id);
CREATE INDEX projects_by_category ON projects (category, id);
CREATE INDEX projects_by_cost ON projects (whole_life_cost_cents, id);
CREATE INDEX projects_by_risk ON projects (risk_rating, id);
CREATE INDEX projects_by_updated ON projects (updated_at, id);
CREATE INDEX projects_by_title ON projects (title, id);

CREATE TABLE project_roles (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    party          TEXT NOT NULL,
    responsibility TEXT NOT NULL CHECK (responsibility IN ('accountable', 'responsible', 'consulted', 'informed')),
    description    TEXT,
    PRIMARY KEY (project_id, position)
) STRICT;

CREATE TABLE project_systems (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (project_id, position)
) STRICT;
CREATE INDEX project_systems_by_name ON project_systems (name);

CREATE TABLE project_datasets (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (project_id, position)
) STRICT;
CREATE INDEX project_datasets_by_name ON project_datasets (name);

CREATE TABLE milestones (
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    baseline_date TEXT,
    forecast_date TEXT,
    actual_date   TEXT,
    PRIMARY KEY (project_id, position)
) STRICT;

-- Every PUT of a business case is a new version; none is changed. Each section is kept as
-- the JSON array or text the agency wrote.
CREATE TABLE business_case_versions (
    project_id             INTEGER NOT NULL REFERENCES projects (id),
    version                INTEGER NOT NULL,
    value_economic         TEXT NOT NULL,
    value_non_monetary     TEXT NOT NULL,
    risks                  TEXT NOT NULL,
    timeframes             TEXT NOT NULL,
    financial_plan         TEXT NOT NULL,
    follow_up              TEXT NOT NULL,
    responsibilities       TEXT NOT NULL,
    milestone_consequences TEXT,
    stakeholders           TEXT NOT NULL,
    options                TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    PRIMARY KEY (project_id, version)
) STRICT;

CREATE TABLE thresholds (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('business_case', 'central_review')),
    amount_cents   INTEGER NOT NULL CHECK (amount_cents >= 0),
    effective_from TEXT NOT NULL,
    scope          TEXT CHECK (scope IN ('national', 'regional', 'local')),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
) STRICT;
CREATE INDEX thresholds_by_kind ON thresholds (kind, effective_from);

-- The defaults, seeded once (EUR 1 million and 5 million, in cents).
INSERT INTO thresholds (kind, amount_cents, effective_from, scope, created_at, created_by) VALUES
    ('business_case', 100000000, '2000-01-01', NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system'),
    ('central_review', 500000000, '2000-01-01', NULL, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'system');

-- A POST retried with the same Idempotency-Key gets the first response again.
CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (actor, key)
) STRICT;

-- Append-only: every change by anyone, with the record before and after.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    project_id INTEGER REFERENCES projects (id),
    before     TEXT,
    after      TEXT
) STRICT;
CREATE INDEX audit_events_by_project ON audit_events (project_id, id);

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER business_case_versions_immutable BEFORE UPDATE ON business_case_versions
BEGIN SELECT RAISE(ABORT, 'business case versions are never changed'); END;

-- Full-text search over titles and descriptions, kept in step by triggers.
CREATE VIRTUAL TABLE projects_fts USING fts5 (title, description, content = 'projects', content_rowid = 'id');
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT INTO projects_fts (rowid, title, description) VALUES (new.id, new.title, coalesce(new.description, ''));
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    INSERT INTO projects_fts (projects_fts, rowid, title, description) VALUES ('delete', old.id, old.title, coalesce(old.description, ''));
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF title, description ON projects BEGIN
    INSERT INTO projects_fts (projects_fts, rowid, title, description) VALUES ('delete', old.id, old.title, coalesce(old.description, ''));
    INSERT INTO projects_fts (rowid, title, description) VALUES (new.id, new.title, coalesce(new.description, ''));
END;
