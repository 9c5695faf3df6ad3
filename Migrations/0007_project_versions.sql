-- The portfolio over time: every state a project has been in, with its parts, each kept from
-- the audit event that left it until the next. The registry as it stood on any date is the
-- latest version of each project before the end of that day; reviews, baselines, business
-- cases, thresholds and tranches carry their own times and are never rewritten, so they need
-- no copy. Written in the transaction of the change, by the same call that audits it.
CREATE TABLE project_versions (
    event_id              INTEGER PRIMARY KEY REFERENCES audit_events (id),
    project_id            INTEGER NOT NULL REFERENCES projects (id),
    at                    TEXT NOT NULL,
    agency_code           TEXT NOT NULL,
    external_id           TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT,
    category              TEXT,
    status                TEXT NOT NULL,
    status_before_hold    TEXT,
    whole_life_cost_cents INTEGER NOT NULL,
    spend_to_date_cents   INTEGER,
    start_date            TEXT,
    planned_end_date      TEXT NOT NULL,
    forecast_end_date     TEXT,
    risk_rating           INTEGER,
    owner_name            TEXT,
    owner_role            TEXT,
    owner_email           TEXT,
    version               INTEGER NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    reported_at           TEXT,
    -- The parts as JSON arrays, in the order the agency gave them.
    roles                 TEXT NOT NULL,
    systems               TEXT NOT NULL,
    datasets              TEXT NOT NULL,
    milestones            TEXT NOT NULL
) STRICT;
CREATE INDEX project_versions_by_project ON project_versions (project_id, at, event_id);
CREATE INDEX project_versions_by_time ON project_versions (at, event_id);

CREATE TRIGGER project_versions_append_only_update BEFORE UPDATE ON project_versions
BEGIN SELECT RAISE(ABORT, 'project versions are history and never changed'); END;
CREATE TRIGGER project_versions_append_only_delete BEFORE DELETE ON project_versions
BEGIN SELECT RAISE(ABORT, 'project versions are history and never removed'); END;

-- A registry written before this migration: its history is rebuilt from the states its audit
-- events recorded (each project event keeps the record it left). What those did not record is
-- taken as it is now (agency, creation time), or from the event: the status before a hold
-- from the event's before, the last report from the last event by the project's own agency.
INSERT INTO project_versions
SELECT e.id, e.project_id, e.at, p.agency_code,
       json_extract(e.after, '$.external_id'), json_extract(e.after, '$.title'), json_extract(e.after, '$.description'),
       json_extract(e.after, '$.category'), json_extract(e.after, '$.status'),
       CASE WHEN json_extract(e.after, '$.status') = 'on_hold' THEN json_extract(e.before, '$.status') END,
       CAST(round(json_extract(e.after, '$.whole_life_cost') * 100) AS INTEGER),
       CAST(round(json_extract(e.after, '$.spend_to_date') * 100) AS INTEGER),
       json_extract(e.after, '$.start_date'), json_extract(e.after, '$.planned_end_date'), json_extract(e.after, '$.forecast_end_date'),
       json_extract(e.after, '$.risk_rating'),
       json_extract(e.after, '$.owner.name'), json_extract(e.after, '$.owner.role'), json_extract(e.after, '$.owner.email'),
       json_extract(e.after, '$.version'), p.created_at, e.at,
       (SELECT max(r.at) FROM audit_events r WHERE r.project_id = e.project_id AND r.id <= e.id
            AND r.actor LIKE 'agency:' || p.agency_code || ':%'),
       coalesce(json_extract(e.after, '$.roles'), '[]'), coalesce(json_extract(e.after, '$.systems'), '[]'),
       coalesce(json_extract(e.after, '$.datasets'), '[]'), coalesce(json_extract(e.after, '$.milestones'), '[]')
FROM audit_events e JOIN projects p ON p.id = e.project_id
WHERE e.entity = 'project' AND e.after IS NOT NULL AND json_extract(e.after, '$.title') IS NOT NULL;
