from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("thread_id", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
                ("author", models.CharField(max_length=40)),
                ("body", models.TextField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["thread_id", "created_at", "id"], name="bare_item_thread_created"
                    )
                ]
            },
        )
    ]
