from __future__ import annotations

from django.urls import include, path

from alongside.api import api
from alongside.core import views as core_views

handler400 = "alongside.core.errors.handler400"
handler403 = "alongside.core.errors.handler403"
handler404 = "alongside.core.errors.handler404"
handler500 = "alongside.core.errors.handler500"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("alongside.accounts.urls")),
    path("", include("alongside.safety.urls")),
    path("privacy/", include("alongside.privacy.urls")),
    path("notifications/", include("alongside.notifications.urls")),
    path("", include("alongside.moderation.urls")),
    path("", include("alongside.communities.urls")),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
]
