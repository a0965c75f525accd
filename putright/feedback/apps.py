from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "putright.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"
