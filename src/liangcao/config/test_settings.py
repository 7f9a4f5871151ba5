"""Settings for the test suite: the production settings with test-only defaults.

DATABASE_URL from the environment is respected (CI points it at PostgreSQL); passwords hash
with a fast hasher so that creating users does not dominate the suite's time.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")

from liangcao.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when absent
ALLOCATION_COMMIT_PROGRESS = False  # a test transaction holds the run row; see allocation
