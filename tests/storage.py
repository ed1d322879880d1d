"""Pointing the intake_log storage somewhere a test owns."""


def use_log_storage(settings, location=None, *, backend=None, options=None):
    """Replace the intake_log storage: local disk at `location` by default, or
    any backend with its options. Returns the location, when there is one."""
    if backend is None:
        backend = "intake.storage.LogFileSystemStorage"
        options = {"location": str(location)}
    settings.STORAGES = {
        **settings.STORAGES,
        "intake_log": {"BACKEND": backend, "OPTIONS": options},
    }
    return location
