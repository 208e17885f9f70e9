"""Test settings: production settings with a throwaway key and the immediate task backend."""

import os

os.environ.setdefault("PARCOURS_SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("PARCOURS_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("PARCOURS_TASKS_BACKEND", "immediate")
os.environ.setdefault("PARCOURS_SECURE_COOKIES", "0")
os.environ.setdefault("PARCOURS_HSTS_SECONDS", "0")

from parcours.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
# PARCOURS_TEST_MEDIA lets two test runs on one machine keep their files apart.
MEDIA_ROOT = VAR_DIR / os.environ.get("PARCOURS_TEST_MEDIA", "test-media")  # noqa: F405
# WhiteNoise warns (an error under pytest's filterwarnings) when STATIC_ROOT does not exist yet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE(%s)"  # noqa: F405
# The data keys of the tests, beside (not inside) their media folder, created on first use.
PARCOURS_DATA_KEYS_FILE = VAR_DIR / f"{MEDIA_ROOT.name}.data_keys"  # noqa: F405
PARCOURS_DATA_KEYS_CREATE = True
