"""Deployment problems reported by `manage.py check` rather than at the first post."""

import shutil

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def gpg_is_installed(app_configs, **kwargs):
    if shutil.which(settings.GPG_BINARY):
        return []
    return [
        checks.Error(
            f"The gpg program {settings.GPG_BINARY!r} was not found.",
            hint="Install GnuPG (apt-get install gnupg) or set GPG_BINARY.",
            id="customers.E001",
        )
    ]
