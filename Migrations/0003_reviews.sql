-- Reviews (Principle 8): the centre's central reviews, gateway reviews 0–5 and peer reviews,
-- each recording the cost and schedule it reviewed and the thresholds in force then.
CREATE TABLE reviews (
    id                             INTEGER PRIMARY KEY,
    project_id                     INTEGER NOT NULL REFERENCES projects (id),
    kind                           TEXT NOT NULL CHECK (kind IN ('central', 'gateway', 'peer')),
    gate                           INTEGER CHECK (gate BETWEEN 0 AND 5),
    status                         TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'in_progress', 'completed')),
    reviewer                       TEXT,
    reviewed_cost_cents            INTEGER NOT NULL CHECK (reviewed_cost_cents >= 0),
    reviewed_planned_end_date      TEXT NOT NULL,
    reviewed_version               INTEGER NOT NULL,
    business_case_threshold_cents  INTEGER,
    central_review_threshold_cents INTEGER,
    requested_at                   TEXT NOT NULL,
    requested_by                   TEXT NOT NULL,
    completed_at                   TEXT,
    outcome                        TEXT CHECK (outcome IN ('approved', 'approved_with_conditions', 'rejected')),
    delivery_confidence            TEXT CHECK (delivery_confidence IN ('green', 'amber_green', 'amber', 'amber_red', 'red')),
    conditions                     TEXT NOT NULL DEFAULT '[]',
    recommendations                TEXT NOT NULL DEFAULT '[]',
    CHECK ((kind = 'gateway') = (gate IS NOT NULL)),
    CHECK ((status = 'completed') = (outcome IS NOT NULL AND completed_at IS NOT NULL))
) STRICT;
CREATE INDEX reviews_by_project ON reviews (project_id, id);
CREATE INDEX reviews_by_status ON reviews (status, requested_at, id);
