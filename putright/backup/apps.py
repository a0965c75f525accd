from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "putright.backup"
    label = "backup"
    verbose_name = "Backup and restore"
