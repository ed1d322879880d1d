"""Deployment problems with secure forms, reported by `manage.py check`
before the first visitor meets them."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def sealing_keys_are_valid(app_configs, **kwargs):
    problems = []
    for position, key in enumerate(settings.INTAKE_SEALING_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(
                checks.Error(
                    f"Sealing key number {position} in INTAKE_SEALING_KEYS is not a Fernet key.",
                    hint="Make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="intake.E001",
                )
            )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def sealing_keys_are_shared(app_configs, **kwargs):
    if settings.INTAKE_SEALING_KEYS_CONFIGURED:
        return []
    return [
        checks.Warning(
            "INTAKE_SEALING_KEYS is not set, so this machine made its own key under var/.",
            hint="Set INTAKE_SEALING_KEYS (or INTAKE_SEALING_KEYS_FILE) to the same keys on "
            "every web and worker machine, or their sealed submissions will not open.",
            id="intake.W001",
        )
    ]
