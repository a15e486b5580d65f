# The legacy collection list renders `thumbnail_path` straight into <img src>, and the legacy app never filled
# it: a storage key there is a broken image (issue 8). Rows the new system writes keep the key in a new
# nullable column and leave `thumbnail_path` NULL, as legacy rows are; rows it already wrote are moved over.
# Only values under our own `thumbnails/` prefix move (the legacy app wrote none).
from django.db import migrations

import bachata.collections.models


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="savedchoreography",
            name="thumbnail",
            field=bachata.collections.models.NullableFileField(
                blank=True, db_column="thumbnail_key", max_length=500, null=True, upload_to="thumbnails/%Y/%m/"
            ),
        ),
        migrations.AlterField(  # state only: empty is stored as NULL, not ''
            model_name="savedchoreography",
            name="thumbnail_path",
            field=bachata.collections.models.NullableFileField(
                blank=True, max_length=500, null=True, upload_to="thumbnails/%Y/%m/"
            ),
        ),
        migrations.RunSQL(
            sql="UPDATE saved_choreographies SET thumbnail_key = thumbnail_path, thumbnail_path = NULL "
            "WHERE thumbnail_path LIKE 'thumbnails/%'",
            reverse_sql="UPDATE saved_choreographies SET thumbnail_path = thumbnail_key, thumbnail_key = NULL "
            "WHERE thumbnail_key IS NOT NULL",
        ),
    ]
