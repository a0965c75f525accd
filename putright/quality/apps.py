from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "putright.quality"
    label = "quality"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.quality import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
