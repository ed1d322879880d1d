"""Test settings: the product's settings with a private var/ and, where
PostgreSQL listens on loopback, a real PostgreSQL database."""

import atexit
import os
import shutil
import tempfile

# A var/ of this run's own, removed when the run ends. Processes the tests
# start inherit it through CAPEPANEL_TEST_VAR_DIR; a CAPEPANEL_VAR_DIR of the
# developer's own is never used by tests.
if not os.environ.get("CAPEPANEL_TEST_VAR_DIR"):
    os.environ["CAPEPANEL_TEST_VAR_DIR"] = tempfile.mkdtemp(prefix="capepanel-test-var-")
    atexit.register(shutil.rmtree, os.environ["CAPEPANEL_TEST_VAR_DIR"], ignore_errors=True)
os.environ["CAPEPANEL_VAR_DIR"] = os.environ["CAPEPANEL_TEST_VAR_DIR"]
# Workers the tests start inherit this, so they consume this run's queue only.
os.environ.setdefault("CELERY_QUEUE", f"capepanel-test-{os.getpid()}")

from tests.services import postgres_url  # noqa: E402

if postgres_url():
    os.environ["DATABASE_URL"] = postgres_url()
else:
    os.environ.pop("DATABASE_URL", None)

from capepanel.settings import *  # noqa: E402,F403
from capepanel.settings import DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a worker in another process sees the same rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # One database per test run, so that runs side by side never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_capepanel_{os.getpid()}"}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)

# pytest captures log records itself; a console handler bound to a stream
# that pytest has since closed only prints "Logging error" noise from the
# threads of SMTP and broker clients that outlive a test.
LOGGING = {**LOGGING, "root": {"handlers": [], "level": "INFO"}}  # noqa: F405
