"""Settings read from the environment, as a deployment sets them."""

import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings

from capepanel.env import env_list


def run_check(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CAPEPANEL_VAR_DIR": str(settings.VAR_DIR), **env},
    )


def test_sealing_keys_can_come_from_a_file(tmp_path, monkeypatch):
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys = tmp_path / "sealing-keys"
    keys.write_text(f"{first}\n{second}\n")
    monkeypatch.setenv("TEST_ONLY_KEYS_FILE", str(keys))

    assert env_list("TEST_ONLY_KEYS") == [first, second]


def test_a_broken_sealing_key_stops_the_check_with_its_name():
    done = run_check({"INTAKE_SEALING_KEYS": "not-a-key"})
    assert done.returncode != 0
    assert "intake.E001" in done.stderr
    assert "Sealing key number 1 in INTAKE_SEALING_KEYS is not a Fernet key." in done.stderr


def test_the_deployment_check_warns_when_keys_are_only_local():
    done = run_check({}, "--deploy")
    assert "intake.W001" in done.stdout + done.stderr
    configured = run_check({"INTAKE_SEALING_KEYS": Fernet.generate_key().decode()}, "--deploy")
    assert "intake.W001" not in configured.stdout + configured.stderr
