from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "putright.feedback"
    label = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the app registry is ready: subscribers use models.
        from putright.channels.delivery import email_addition_register  # noqa: PLC0415 — AppConfig.ready()
        from putright.feedback import satisfaction_mail, subscribers  # noqa: PLC0415 — AppConfig.ready()

        subscribers.subscribe()
        # The satisfaction check's answer links go into the customer's e-mails while it waits for them.
        email_addition_register(satisfaction_mail.satisfaction_email_links)
