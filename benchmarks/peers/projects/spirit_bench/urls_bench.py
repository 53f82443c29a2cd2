"""Spirit's generated URLs plus a health path the benchmark waits for before loading."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from .urls import urlpatterns as spirit_urlpatterns


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("healthz", healthz), *spirit_urlpatterns]
