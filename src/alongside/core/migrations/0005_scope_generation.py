from django.db import migrations, models


def site_row(apps, schema_editor):
    apps.get_model("core", "WriteGeneration").objects.get_or_create(id=2)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_write_generation"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScopeGeneration",
            fields=[
                ("scope", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(site_row, migrations.RunPython.noop),
    ]
