# State only: ClassPlanSequence.choreography now points at collections.SavedChoreography (same table, same column).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0001_initial"),
        ("instructors", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="classplansequence",
                    name="choreography",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="class_sequences",
                        to="collections.savedchoreography",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
