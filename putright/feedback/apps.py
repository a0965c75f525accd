from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "putright.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.feedback import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
