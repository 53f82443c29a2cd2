from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("items/<int:thread_id>/", views.items),
]
