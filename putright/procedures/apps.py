from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "putright.procedures"
    label = "procedures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.procedures import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
