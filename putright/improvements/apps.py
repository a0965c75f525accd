from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    name = "putright.improvements"
    label = "improvements"
    default_auto_field = "django.db.models.BigAutoField"
