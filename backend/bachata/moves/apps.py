from django.apps import AppConfig


class MovesConfig(AppConfig):
    """The move index (no models): registered for its management commands."""

    name = "bachata.moves"
    label = "moves"
