"""The framework ceiling: a Django project with one app, one model, one view and one template,
on the same PostgreSQL (pooled as Alongside's) and served the same way as Alongside. No
sessions, authentication, CSRF, messages or cache: what is measured is Django, uvicorn and one
indexed query rendered through the template engine, the least any Django page costs."""

import os

from dbconfig import database_from_env

DEBUG = False
SECRET_KEY = os.environ["PEER_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bare_bench"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bare_bench.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = False
