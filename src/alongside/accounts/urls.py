from __future__ import annotations

from django.urls import path

from alongside.accounts import views

urlpatterns = [
    path("accounts/signup/", views.SignupView.as_view(), name="account_signup"),
    path("signup/too-young/", views.too_young, name="signup-too-young"),
    path("settings/", views.account_settings, name="account-settings"),
]
