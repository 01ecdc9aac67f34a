"""Local development: what `make run` uses. Relaxes base.py, never used in production."""

from config.env import BASE_DIR, env

# The developer's .env wins over the defaults below (read_env never overrides a set variable).
env.read_env(BASE_DIR / ".env")
for _key, _value in {
    "DJANGO_SECRET_KEY": "dev-only-insecure-key-never-use-in-production",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_HTTPS": "False",
    "SPASER_DEMO_MODE": "True",
    "SPASER_DEMO_PASSWORD": "demo-spaser-2026",
    "SPASER_OPEN_DATA_PUBLISH": "True",
}.items():
    env.ENVIRON.setdefault(_key, _value)

from config.settings.base import *  # noqa: E402,F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
