"""The storage that holds the merchants' encrypted logs."""

from django.core.files.storage import FileSystemStorage, storages


class LogFileSystemStorage(FileSystemStorage):
    """Local-disk log storage whose files only the service user (and its
    group, for backups) can read."""

    def __init__(self, **options):
        options.setdefault("file_permissions_mode", 0o640)
        options.setdefault("directory_permissions_mode", 0o750)
        super().__init__(**options)


def intake_log():
    return storages["intake_log"]
