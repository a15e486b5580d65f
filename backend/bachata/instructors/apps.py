from django.apps import AppConfig


class InstructorsConfig(AppConfig):
    name = "bachata.instructors"
    label = "instructors"
    default_auto_field = "django.db.models.BigAutoField"
