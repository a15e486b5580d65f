# The legacy app deletes rows with its own ORM, which knows nothing of the tables the new system added: the
# database itself must do what Django's collector does for our models (issue 8). Every foreign key from a new
# table to a legacy row gets the ON DELETE action of its model's on_delete, and stays DEFERRABLE INITIALLY
# DEFERRED like the legacy ones. Django keeps emulating CASCADE in Python as well; the two agree.
#
# Django (5.2) cannot declare a database-level ON DELETE, so this is SQL; a later AlterField of one of these
# fields would recreate its constraint without it — bachata/choreography/tests/test_legacy_deletes.py checks
# every such key of the migrated schema against its model, new tables included.
from django.db import migrations

# (table, column, referenced table, referenced column, action)
LEGACY_REFERENCES = [
    ("task_events", "task_id", "choreography_tasks", "task_id", "CASCADE"),
    ("song_uploads", "user_id", "users", "id", "CASCADE"),
    ("token_blacklist_outstandingtoken", "user_id", "users", "id", "SET NULL"),
]


def foreign_key_sql(table: str, column: str, ref_table: str, ref_column: str, action: str) -> str:
    """Re-create the (single) foreign key of table.column -> ref_table with the given ON DELETE action."""
    return f"""
DO $$
DECLARE name text;
BEGIN
    SELECT c.conname INTO STRICT name
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.conrelid = 'public.{table}'::regclass
      AND c.confrelid = 'public.{ref_table}'::regclass AND a.attname = '{column}';
    EXECUTE format('ALTER TABLE public.{table} DROP CONSTRAINT %I', name);
    EXECUTE format(
        'ALTER TABLE public.{table} ADD CONSTRAINT %I FOREIGN KEY ({column}) REFERENCES public.{ref_table}({ref_column}) '
        'ON DELETE {action} DEFERRABLE INITIALLY DEFERRED',
        name
    );
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0005_saved_choreography_moved_to_collections"),
        ("songs", "0001_song_library_and_uploads"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            sql=foreign_key_sql(table, column, ref_table, ref_column, action),
            reverse_sql=foreign_key_sql(table, column, ref_table, ref_column, "NO ACTION"),
        )
        for table, column, ref_table, ref_column, action in LEGACY_REFERENCES
    ]
