# State only: the choreography app stops owning SavedChoreography; the table stays as it is.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0004_task_ledger"),
        ("instructors", "0003_sequence_choreography_in_collections"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SavedChoreography")],
            database_operations=[],
        ),
    ]
