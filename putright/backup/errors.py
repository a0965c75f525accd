"""The one error a backup or restore stops with: a sentence for the operator, shown without a traceback."""


class BackupError(Exception):
    pass
