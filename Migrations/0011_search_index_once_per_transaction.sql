-- The full-text index is brought up to date once per write transaction instead of in every
-- statement that changes a project. FTS5 writes its pending terms out as a new segment at
-- each statement savepoint, and every statement that fires a trigger opens one: indexing a
-- project inside its INSERT cost about 70 µs, most of a durable creation's time on the
-- writer. The triggers now only note which projects changed, with what the index held for
-- them; the writer indexes them all, in two statements, just before it commits
-- (ProjectSearch.indexChangedProjects). No reader ever sees a note: it is written and
-- cleared in the same transaction.
DROP TRIGGER projects_fts_insert;
DROP TRIGGER projects_fts_delete;
DROP TRIGGER projects_fts_update;

-- The first note of a project in a transaction wins: it says what the index holds (NULL: nothing).
CREATE TABLE projects_fts_changed (
    project_id INTEGER PRIMARY KEY,
    indexed_title TEXT,
    indexed_description TEXT
);
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT OR IGNORE INTO projects_fts_changed (project_id) VALUES (new.id);
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    INSERT OR IGNORE INTO projects_fts_changed (project_id, indexed_title, indexed_description)
    VALUES (old.id, old.title, coalesce(old.description, ''));
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF title, description ON projects BEGIN
    INSERT OR IGNORE INTO projects_fts_changed (project_id, indexed_title, indexed_description)
    VALUES (old.id, old.title, coalesce(old.description, ''));
END;
