from django.apps import AppConfig


class SongsConfig(AppConfig):
    name = "bachata.songs"
    label = "songs"
    default_auto_field = "django.db.models.BigAutoField"
