"""Test settings: fast hasher, in-memory files, huey immediate, SQLite unless DATABASE_URL is set."""

from config.env import env

for _key, _value in {
    "DJANGO_SECRET_KEY": "test-only-key",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "DJANGO_HTTPS": "False",
    "SPASER_DEMO_MODE": "True",
    "SPASER_DEMO_PASSWORD": "demo-spaser-2026",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "",
}.items():
    env.ENVIRON.setdefault(_key, _value)
# Tests never read a developer's .env file.
env.read_env = lambda *args, **kwargs: None

from config.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HUEY = {"huey_class": "huey.MemoryHuey", "name": "spaser-test", "immediate": True}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Unknown template variables fail the tests instead of rendering as empty strings.
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE<%s>"  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE, "spaser.core.testing.FailOnInvalidTemplateVariableMiddleware"]  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # WAL and IMMEDIATE transactions serve concurrent processes on a file; the test database is in memory.
    DATABASES["default"]["OPTIONS"] = {}  # noqa: F405
