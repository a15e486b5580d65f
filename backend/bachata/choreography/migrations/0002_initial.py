# Mirrors the legacy app's choreography.0002_initial (the user FK of saved_choreographies).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("choreography", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="savedchoreography",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="choreographies",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
