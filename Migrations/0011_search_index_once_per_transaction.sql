-- The full-text index is brought up to date once per write transaction instead of in every
-- statement that changes a project. FTS5 writes its pending terms out as a new segment at
-- each statement savepoint, and every statement that fires a trigger opens one: indexing a
-- project inside its INSERT cost about 70 µs, most of a durable creation's time on the
-- writer. The triggers now only note which projects changed, with what the index held for
-- them; the writer indexes them all, in two statements, just before it commits
-- (ProjectSearch.indexChangedProjects), so a note of the registry's own writes is cleared
-- in the transaction that wrote it. A change made outside them (a later migration, an
-- operator's sqlite3) is indexed by the next write, or when the registry next opens.
DROP TRIGGER projects_fts_insert;
DROP TRIGGER projects_fts_delete;
DROP TRIGGER projects_fts_update;

-- The first note of a project in a transaction wins: it says what the index holds (NULL:
-- nothing). Not `INSERT OR IGNORE`: a statement's own conflict clause (an `INSERT OR REPLACE`
-- into projects) would override the trigger's, and the last note would win.
CREATE TABLE projects_fts_changed (
    project_id INTEGER PRIMARY KEY,
    indexed_title TEXT,
    indexed_description TEXT
);
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT INTO projects_fts_changed (project_id)
    SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM projects_fts_changed WHERE project_id = new.id);
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    INSERT INTO projects_fts_changed (project_id, indexed_title, indexed_description)
    SELECT old.id, old.title, coalesce(old.description, '')
    WHERE NOT EXISTS (SELECT 1 FROM projects_fts_changed WHERE project_id = old.id);
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF title, description ON projects BEGIN
    INSERT INTO projects_fts_changed (project_id, indexed_title, indexed_description)
    SELECT old.id, old.title, coalesce(old.description, '')
    WHERE NOT EXISTS (SELECT 1 FROM projects_fts_changed WHERE project_id = old.id);
END;
