-- The registry's own facts about itself. The domain schema arrives in the following migrations.
CREATE TABLE registry_metadata (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

INSERT INTO registry_metadata (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
