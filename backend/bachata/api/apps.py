from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bachata.api"
    label = "api"
    verbose_name = "API"
