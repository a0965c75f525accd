from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "putright.notes"
    label = "notes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.notes import subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
