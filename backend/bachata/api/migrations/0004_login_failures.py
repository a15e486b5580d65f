from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("api", "0003_rate_limits_unlogged")]

    operations = [
        migrations.CreateModel(
            name="LoginFailure",
            fields=[
                ("subject", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("failures", models.IntegerField()),
                ("updated_at", models.DateTimeField()),
                ("locked_until", models.DateTimeField(null=True)),
            ],
            options={"db_table": "api_login_failures"},
        ),
    ]
