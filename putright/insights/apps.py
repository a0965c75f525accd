from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "putright.insights"
    label = "insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.insights import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
