-- What each project version changed from the one before it: a row per field that differs (a
-- project's first version: one 'registered' row with its cost). The changes between two days
-- are then one range of this table, already in time order, where comparing the versions again
-- took most of the time of a quarter's changes. Kept by a trigger, so that every way a version
-- is written keeps it in the same transaction, and worked out by one view, so that the rows of
-- the history before this migration and the rows written after it say the same.
CREATE TABLE project_changes (
    at         TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES project_versions (event_id),
    -- The field's place among a version's changes: 0 registered, 1 status, 2 whole_life_cost,
    -- 3 spend_to_date, 4 start_date, 5 planned_end_date, 6 forecast_end_date.
    position   INTEGER NOT NULL,
    field      TEXT NOT NULL,
    -- As the versions store them: cents, a date, a status.
    old        ANY,
    new        ANY,
    -- The project as the version shows it, and a transition's reason (from its audit event):
    -- a quarter's changes are then read from this table alone, in order.
    agency_code TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    PRIMARY KEY (at, project_id, event_id, position)
) STRICT, WITHOUT ROWID;

CREATE VIEW project_version_changes AS
SELECT at, project_id, event_id, position, field, old, new, agency_code, title, status,
       CASE position WHEN 1 THEN (SELECT json_extract(a.after, '$.reason') FROM audit_events a WHERE a.id = event_id) END AS reason
FROM (
    SELECT v.at, v.project_id, v.event_id, f.position, f.field, p.event_id IS NULL AS first, v.agency_code, v.title, v.status,
           CASE f.position WHEN 1 THEN p.status WHEN 2 THEN p.whole_life_cost_cents WHEN 3 THEN p.spend_to_date_cents
                           WHEN 4 THEN p.start_date WHEN 5 THEN p.planned_end_date WHEN 6 THEN p.forecast_end_date END AS old,
           CASE f.position WHEN 0 THEN v.whole_life_cost_cents WHEN 1 THEN v.status WHEN 2 THEN v.whole_life_cost_cents
                           WHEN 3 THEN v.spend_to_date_cents WHEN 4 THEN v.start_date WHEN 5 THEN v.planned_end_date
                           WHEN 6 THEN v.forecast_end_date END AS new
    FROM project_versions v
    -- The version before it: the project's latest of a smaller event id.
    LEFT JOIN project_versions p ON p.event_id = (
        SELECT max(q.event_id) FROM project_versions q WHERE q.project_id = v.project_id AND q.event_id < v.event_id)
    CROSS JOIN (SELECT 0 AS position, 'registered' AS field UNION ALL SELECT 1, 'status' UNION ALL SELECT 2, 'whole_life_cost'
                UNION ALL SELECT 3, 'spend_to_date' UNION ALL SELECT 4, 'start_date' UNION ALL SELECT 5, 'planned_end_date'
                UNION ALL SELECT 6, 'forecast_end_date') f
)
WHERE CASE WHEN first THEN position = 0 ELSE position > 0 AND old IS NOT new END;

INSERT INTO project_changes SELECT * FROM project_version_changes;

-- The filter on event_id is pushed into the view: one version is read, and the one before it
-- found among the project's entries in project_versions_by_project, whatever its history.
CREATE TRIGGER project_versions_record_changes AFTER INSERT ON project_versions
BEGIN
    INSERT INTO project_changes SELECT * FROM project_version_changes WHERE project_id = NEW.project_id AND event_id = NEW.event_id;
END;
CREATE TRIGGER project_changes_append_only_update BEFORE UPDATE ON project_changes
BEGIN SELECT RAISE(ABORT, 'project changes are history and never changed'); END;
CREATE TRIGGER project_changes_append_only_delete BEFORE DELETE ON project_changes
BEGIN SELECT RAISE(ABORT, 'project changes are history and never removed'); END;

-- One project's changes (its feed) without a walk of everyone's.
CREATE INDEX project_changes_by_project ON project_changes (project_id, at);

-- The other records a change lists, found by their time rather than project by project.
CREATE INDEX baselines_by_time ON baselines (created_at);
CREATE INDEX reviews_by_request ON reviews (requested_at);
CREATE INDEX reviews_by_completion ON reviews (completed_at);
CREATE INDEX funding_tranches_by_release ON funding_tranches (released_at);
