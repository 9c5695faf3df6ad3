-- What has been recorded since a past day (a past day's portfolio reads it to know which
-- projects are as they were then): found by time, not by a walk of the whole trail, and read
-- from the index alone.
CREATE INDEX audit_events_by_time ON audit_events (at, project_id, entity);
