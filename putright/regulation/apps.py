from django.apps import AppConfig


class RegulationConfig(AppConfig):
    name = "putright.regulation"
    label = "regulation"
    default_auto_field = "django.db.models.BigAutoField"
