from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    name = "putright.improvements"
    label = "improvements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.improvements import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
