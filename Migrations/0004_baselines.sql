-- Baselines: the approved cost and schedule. The first is taken when a project is approved;
-- each re-baseline is a new numbered record with its reason. None is changed or removed, so
-- variance can always be shown against the original as well as the current baseline.
CREATE TABLE baselines (
    project_id            INTEGER NOT NULL REFERENCES projects (id),
    number                INTEGER NOT NULL CHECK (number >= 1),
    whole_life_cost_cents INTEGER NOT NULL CHECK (whole_life_cost_cents >= 0),
    planned_end_date      TEXT NOT NULL,
    reason                TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    PRIMARY KEY (project_id, number)
) STRICT;

CREATE TRIGGER baselines_immutable_update BEFORE UPDATE ON baselines
BEGIN SELECT RAISE(ABORT, 'baselines are never changed; add a re-baseline'); END;
CREATE TRIGGER baselines_immutable_delete BEFORE DELETE ON baselines
BEGIN SELECT RAISE(ABORT, 'baselines are never removed'); END;
