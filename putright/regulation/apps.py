from django.apps import AppConfig


class RegulationConfig(AppConfig):
    name = "putright.regulation"
    label = "regulation"
    verbose_name = "Regimes and deadlines"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from putright.regulation import signals  # noqa: F401 - connects the receivers
