from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "putright.problems"
    label = "problems"
    default_auto_field = "django.db.models.BigAutoField"
