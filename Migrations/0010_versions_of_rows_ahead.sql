-- A project whose row is ahead of its latest version gets a version of its row. Only history
-- written before migration 0007 leaves one: an agency's business case then moved the row's
-- last report without a project event, so the history 0007 rebuilt from the audit trail dates
-- that report earlier than the row does (and a row with no project event at all has no
-- version). Each such row is copied into a version dated when the row last changed or its
-- agency last reported, whichever is later (never before the version it follows), with an
-- audit event of the registry itself saying why. From then on every project is what its
-- versions say, on every day.
INSERT INTO audit_events (at, actor, action, entity, entity_id, project_id, before, after)
SELECT max(p.updated_at, coalesce(p.reported_at, ''), coalesce(v.at, '')), 'system:migration-0010', 'project.version_of_row',
       'project', CAST(p.id AS TEXT), p.id, NULL, NULL
FROM projects p LEFT JOIN project_versions v
  ON v.event_id = (SELECT max(event_id) FROM project_versions WHERE project_id = p.id)
WHERE v.event_id IS NULL OR v.version IS NOT p.version OR v.status IS NOT p.status OR v.reported_at IS NOT p.reported_at
ORDER BY p.id;

-- A project's row as a version: its columns, and its parts as JSON arrays in the order the
-- agency gave them. Every version copied from a row is this (here, and ProjectVersions.record).
CREATE VIEW project_rows_as_versions AS
SELECT p.id AS project_id, p.agency_code, p.external_id, p.title, p.description, p.category, p.status, p.status_before_hold,
       p.whole_life_cost_cents, p.spend_to_date_cents, p.start_date, p.planned_end_date, p.forecast_end_date,
       p.risk_rating, p.owner_name, p.owner_role, p.owner_email, p.version, p.created_at, p.updated_at, p.reported_at,
       (SELECT json_group_array(json_object('party', party, 'responsibility', responsibility, 'description', description))
        FROM (SELECT * FROM project_roles WHERE project_id = p.id ORDER BY position)) AS roles,
       (SELECT json_group_array(name) FROM (SELECT name FROM project_systems WHERE project_id = p.id ORDER BY position)) AS systems,
       (SELECT json_group_array(name) FROM (SELECT name FROM project_datasets WHERE project_id = p.id ORDER BY position)) AS datasets,
       (SELECT json_group_array(json_object('name', name, 'baseline_date', baseline_date, 'forecast_date', forecast_date,
                                            'actual_date', actual_date))
        FROM (SELECT * FROM milestones WHERE project_id = p.id ORDER BY position)) AS milestones
FROM projects p;

INSERT INTO project_versions (event_id, at, project_id, agency_code, external_id, title, description, category, status,
                              status_before_hold, whole_life_cost_cents, spend_to_date_cents, start_date, planned_end_date,
                              forecast_end_date, risk_rating, owner_name, owner_role, owner_email, version, created_at,
                              updated_at, reported_at, roles, systems, datasets, milestones)
SELECT e.id, e.at, r.* FROM audit_events e JOIN project_rows_as_versions r ON r.project_id = e.project_id
WHERE e.action = 'project.version_of_row' AND e.actor = 'system:migration-0010';
