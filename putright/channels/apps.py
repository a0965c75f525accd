from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "putright.channels"
    label = "channels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from putright.channels import attachments  # noqa: PLC0415 — AppConfig.ready()
        from putright.channels.delivery import email_addition_register  # noqa: PLC0415 — AppConfig.ready()

        # Issue 15 §4: a message's e-mail names the files sent with it (they stay behind the case link).
        email_addition_register(attachments.email_note)
