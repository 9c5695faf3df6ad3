-- Funding tranches (Principle 8): money released only when its condition holds.
CREATE TABLE funding_tranches (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    condition    TEXT NOT NULL CHECK (condition IN ('none', 'central_review_approved', 'gate_passed')),
    gate         INTEGER CHECK (gate BETWEEN 0 AND 5),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    released_at  TEXT,
    released_by  TEXT,
    CHECK ((condition = 'gate_passed') = (gate IS NOT NULL)),
    CHECK ((released_at IS NULL) = (released_by IS NULL))
) STRICT;
CREATE INDEX funding_tranches_by_project ON funding_tranches (project_id, id);
