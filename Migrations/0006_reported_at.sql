-- When the agency last reported on a project (P8-STALE-REPORT): changes by the centre,
-- such as an approval, do not count as the agency reporting.
ALTER TABLE projects ADD COLUMN reported_at TEXT;
UPDATE projects SET reported_at = updated_at;
