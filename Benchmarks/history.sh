#!/usr/bin/env bash
# The portfolio over time at scale: N projects (default 100,000) with a year of history, then
# the overview as of past dates (each first read builds that day's portfolio), the changes over
# a quarter, and the live endpoints before and after. Loopback only; stops by itself.
#   N=100000 Benchmarks/history.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
PORT=${PORT:-18093}
source Benchmarks/portfolio-fixture.sh

start_server
import_projects >/dev/null
stop_server
# A year of history, written straight into the database (benchmark set-up only; the append-only
# triggers are dropped in this throw-away copy): registrations spread over 2025-12-01 + 0..299
# days, each published 10 days later, every third project's cost raised 40 days after that.
sqlite3 "$DB" <<'SQL'
DROP TRIGGER project_versions_append_only_update;
DROP TRIGGER audit_events_append_only_update;
DROP TRIGGER project_versions_record_changes;
DROP TRIGGER project_changes_append_only_delete;
UPDATE audit_events SET at = strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (project_id % 300) || ' days')
  WHERE project_id IS NOT NULL;
UPDATE project_versions SET at = strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (project_id % 300) || ' days'),
  created_at = strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (project_id % 300) || ' days'),
  updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (project_id % 300) || ' days'),
  reported_at = strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (project_id % 300) || ' days');
UPDATE audit_events SET at = '2025-11-30T00:00:00Z' WHERE project_id IS NULL;
INSERT INTO audit_events (id, at, actor, action, entity, entity_id, project_id, before, after)
  SELECT 10000000 + id, strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (id % 300 + 10) || ' days'), 'agency:BENCH:x',
         'project.transition', 'project', id, id, NULL, '{}' FROM projects;
INSERT INTO project_versions SELECT 10000000 + v.project_id, v.project_id, a.at, v.agency_code, v.external_id, v.title, v.description,
  v.category, 'submitted', v.status_before_hold, v.whole_life_cost_cents, v.spend_to_date_cents, v.start_date, v.planned_end_date,
  v.forecast_end_date, v.risk_rating, v.owner_name, v.owner_role, v.owner_email, v.version + 1, v.created_at, a.at, a.at,
  v.roles, v.systems, v.datasets, v.milestones
  FROM project_versions v JOIN audit_events a ON a.id = 10000000 + v.project_id;
INSERT INTO audit_events (id, at, actor, action, entity, entity_id, project_id, before, after)
  SELECT 20000000 + id, strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-01', '+' || (id % 300 + 50) || ' days'), 'agency:BENCH:x',
         'project.update', 'project', id, id, NULL, '{}' FROM projects WHERE id % 3 = 0;
INSERT INTO project_versions SELECT 20000000 + v.project_id, v.project_id, a.at, v.agency_code, v.external_id, v.title, v.description,
  v.category, v.status, v.status_before_hold, v.whole_life_cost_cents * 13 / 10, v.spend_to_date_cents, v.start_date, v.planned_end_date,
  v.forecast_end_date, v.risk_rating, v.owner_name, v.owner_role, v.owner_email, v.version + 1, v.created_at, a.at, a.at,
  v.roles, v.systems, v.datasets, v.milestones
  FROM project_versions v JOIN audit_events a ON a.id = 20000000 + v.project_id WHERE v.event_id = 10000000 + v.project_id;
UPDATE projects SET (status, whole_life_cost_cents, version, created_at, updated_at, reported_at) =
  (SELECT status, whole_life_cost_cents, version, created_at, updated_at, reported_at FROM project_versions
   WHERE project_id = projects.id ORDER BY event_id DESC LIMIT 1);
-- What each version changed, worked out again from the history as rewritten (what migration 0009 does).
DELETE FROM project_changes;
INSERT INTO project_changes SELECT * FROM project_version_changes;
SQL
start_server

timed() { # label, curl arguments...
  local label=$1; shift
  local seconds
  seconds=$(curl -fs -o /dev/null -w '%{time_total}' "$@")
  printf '%-58s %8.3f s\n' "$label" "$seconds"
}
base="http://127.0.0.1:$PORT"
echo "N=$N projects, $(sqlite3 "$DB" 'SELECT count(*) FROM project_versions') versions, memory $(ps -o rss= -p "$server") KB"
timed "overview, live (first: the projection's first build)" "$base/api/v1/portfolio/overview"
timed "overview, live, again" "$base/api/v1/portfolio/overview"
timed "project, live" "$base/api/v1/projects/5"
for day in 2026-03-31 2026-06-30 2026-09-30; do
  timed "overview as of $day (first: that day built)" "$base/api/v1/portfolio/overview?as_of=$day"
  timed "overview as of $day, again" "$base/api/v1/portfolio/overview?as_of=$day&agency=BENCH"
done
timed "changes over a quarter (2026-06-30 to 2026-09-30, both kept)" "$base/api/v1/portfolio/changes?from=2026-06-30&to=2026-09-30"
timed "changes over a quarter, CSV" "$base/api/v1/portfolio/changes.csv?from=2026-06-30&to=2026-09-30"
timed "changes over another quarter (2026-03-31 to 2026-06-30)" "$base/api/v1/portfolio/changes?from=2026-03-31&to=2026-06-30"
timed "project as of 2026-06-30" "$base/api/v1/projects/5?as_of=2026-06-30"
timed "public changes feed" "$base/feeds/changes"
timed "overview, live, after all that" "$base/api/v1/portfolio/overview?agency=BENCH"
timed "project, live, after all that" "$base/api/v1/projects/6"
echo "memory after: $(ps -o rss= -p "$server") KB"
grep -o '"path":"[^"]*","status":[0-9]*,"duration_ms":[0-9.]*' "$workdir/server.log" | grep -v healthz | tail -20 || true
stop_server
