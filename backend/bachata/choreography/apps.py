from django.apps import AppConfig


class ChoreographyConfig(AppConfig):
    name = "bachata.choreography"
    label = "choreography"
    default_auto_field = "django.db.models.BigAutoField"
