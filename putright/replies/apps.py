from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "putright.replies"
    label = "replies"
    default_auto_field = "django.db.models.BigAutoField"
