# Rate-limit counters are worth nothing after a crash: an UNLOGGED table spares every API request a WAL flush.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0002_rate_limit_counters")]

    operations = [
        migrations.RunSQL("ALTER TABLE api_rate_limits SET UNLOGGED", "ALTER TABLE api_rate_limits SET LOGGED"),
    ]
