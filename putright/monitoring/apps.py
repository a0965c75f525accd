from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "putright.monitoring"
    label = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.monitoring import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
