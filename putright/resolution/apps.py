from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "putright.resolution"
    label = "resolution"
    default_auto_field = "django.db.models.BigAutoField"
