from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "putright.resolution"
    label = "resolution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.resolution import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
