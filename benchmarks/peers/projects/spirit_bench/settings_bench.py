"""Benchmark settings for the Spirit project that ``spirit startproject`` generated: Spirit's
own production settings (``prod``), with what a deployment on this machine must set: the
secret key, the host, the database (PostgreSQL, pooled as Alongside's), the cache (the same
Redis as Alongside when it runs with one) and the site URL.

benchmarks/peers/run.py copies this file to ``spirit_bench/settings/bench.py``."""

import os

from dbconfig import database_from_env

from .prod import *  # noqa: F403 (Spirit's generated production settings)

DEBUG = False
SECRET_KEY = os.environ["PEER_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "spirit_bench.urls_bench"
ST_SITE_URL = os.environ.get("PEER_SITE_URL", "http://127.0.0.1:8000/")

DATABASES = {"default": database_from_env()}

# Spirit's template uses the database cache; Alongside uses Redis when it has one, so Spirit
# gets the same (its own key prefix), or a per-process memory cache when Alongside has none.
_redis = os.environ.get("PEER_REDIS_URL", "")
if _redis:
    CACHES = {
        name: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis,
            "KEY_PREFIX": f"peer-spirit-{name}",
            **({"TIMEOUT": None} if name == "st_rate_limit" else {}),
        }
        for name in ("default", "st_rate_limit")
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "st_rate_limit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "spirit_rl_cache",
            "TIMEOUT": None,
        },
    }
