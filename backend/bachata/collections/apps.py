from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    verbose_name = "Collections"
    name = "bachata.collections"
    label = "collections"
    default_auto_field = "django.db.models.BigAutoField"
