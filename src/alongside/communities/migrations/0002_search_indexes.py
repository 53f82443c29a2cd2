"""Full-text search indexes, per database engine.

SQLite: FTS5 tables with external content (no second copy of the text), kept in step by
triggers, so every write path (services, bulk loads, erasure) updates the index.
PostgreSQL: GIN indexes on the same ``to_tsvector`` expressions the search query uses.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE communities_post_fts USING fts5(
        body, content='communities_post', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER communities_post_fts_ai AFTER INSERT ON communities_post BEGIN
        INSERT INTO communities_post_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER communities_post_fts_ad AFTER DELETE ON communities_post BEGIN
        INSERT INTO communities_post_fts(communities_post_fts, rowid, body)
        VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER communities_post_fts_au AFTER UPDATE OF body ON communities_post BEGIN
        INSERT INTO communities_post_fts(communities_post_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO communities_post_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE VIRTUAL TABLE communities_thread_fts USING fts5(
        title, content='communities_thread', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER communities_thread_fts_ai AFTER INSERT ON communities_thread BEGIN
        INSERT INTO communities_thread_fts(rowid, title) VALUES (new.id, new.title); END""",
    """CREATE TRIGGER communities_thread_fts_ad AFTER DELETE ON communities_thread BEGIN
        INSERT INTO communities_thread_fts(communities_thread_fts, rowid, title)
        VALUES ('delete', old.id, old.title); END""",
    """CREATE TRIGGER communities_thread_fts_au AFTER UPDATE OF title ON communities_thread BEGIN
        INSERT INTO communities_thread_fts(communities_thread_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
        INSERT INTO communities_thread_fts(rowid, title) VALUES (new.id, new.title); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS communities_post_fts_ai",
    "DROP TRIGGER IF EXISTS communities_post_fts_ad",
    "DROP TRIGGER IF EXISTS communities_post_fts_au",
    "DROP TABLE IF EXISTS communities_post_fts",
    "DROP TRIGGER IF EXISTS communities_thread_fts_ai",
    "DROP TRIGGER IF EXISTS communities_thread_fts_ad",
    "DROP TRIGGER IF EXISTS communities_thread_fts_au",
    "DROP TABLE IF EXISTS communities_thread_fts",
]
POSTGRES_FORWARD = [
    (
        "CREATE INDEX communities_post_body_fts ON communities_post "
        "USING GIN (to_tsvector('english'::regconfig, body))"
    ),
    (
        "CREATE INDEX communities_thread_title_fts ON communities_thread "
        "USING GIN (to_tsvector('english'::regconfig, title))"
    ),
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS communities_post_body_fts",
    "DROP INDEX IF EXISTS communities_thread_title_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
