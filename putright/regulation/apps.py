from django.apps import AppConfig


class RegulationConfig(AppConfig):
    name = "putright.regulation"
    label = "regulation"
    verbose_name = "Regimes and deadlines"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: the receivers and subscribers use models.
        # Importing ``signals`` connects its receivers.
        from putright.regulation import signals, subscribers  # noqa: F401, PLC0415 — AppConfig.ready()

        subscribers.subscribe()
