from django.apps import AppConfig


class AuthorityConfig(AppConfig):
    name = "putright.authority"
    label = "authority"
    default_auto_field = "django.db.models.BigAutoField"
