from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "putright.problems"
    label = "problems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.problems import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
