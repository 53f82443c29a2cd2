"""Posts that wait for their author's "future self" (decision 0013).

On SQLite, adding the non-null ``review_hold`` column rebuilds ``communities_post`` (SQLite
cannot add such a column in place), and a rebuilt table loses its triggers: the full-text
triggers of 0002 are created again at the end, so search keeps following every write.
"""

from django.db import migrations, models

POST_TRIGGERS = [
    "DROP TRIGGER IF EXISTS communities_post_fts_ai",
    "DROP TRIGGER IF EXISTS communities_post_fts_ad",
    "DROP TRIGGER IF EXISTS communities_post_fts_au",
    """CREATE TRIGGER communities_post_fts_ai AFTER INSERT ON communities_post BEGIN
        INSERT INTO communities_post_fts(rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER communities_post_fts_ad AFTER DELETE ON communities_post BEGIN
        INSERT INTO communities_post_fts(communities_post_fts, rowid, body)
        VALUES ('delete', old.id, old.body); END""",
    """CREATE TRIGGER communities_post_fts_au AFTER UPDATE OF body ON communities_post BEGIN
        INSERT INTO communities_post_fts(communities_post_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO communities_post_fts(rowid, body) VALUES (new.id, new.body); END""",
]


def _restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in POST_TRIGGERS:
        schema_editor.execute(sql)


STATUS_CHOICES = [
    ("visible", "Visible"),
    ("held", "Held for review"),
    ("removed", "Removed by a moderator"),
    ("deleted", "Removed by its author"),
    ("pending", "Waiting to be published"),
]


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_search_indexes")]

    operations = [
        # Unapplying runs the operations backwards: this one last, after the rebuild that
        # drops the column.
        migrations.RunPython(migrations.RunPython.noop, _restore_sqlite_triggers),
        migrations.AddField(
            model_name="post",
            name="early_release_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="release_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="review_hold",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="post",
            name="status",
            field=models.CharField(choices=STATUS_CHOICES, default="visible", max_length=10),
        ),
        migrations.AlterField(
            model_name="thread",
            name="status",
            field=models.CharField(choices=STATUS_CHOICES, default="visible", max_length=10),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["thread", "created_at", "id"], name="post_thread_time"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["release_at", "id"],
                name="post_pending_release",
            ),
        ),
        migrations.RunPython(_restore_sqlite_triggers, migrations.RunPython.noop),
    ]
