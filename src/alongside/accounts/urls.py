from __future__ import annotations

from django.urls import path

from alongside.accounts import views

urlpatterns = [
    path("accounts/signup/", views.SignupView.as_view(), name="account_signup"),
    path("signup/too-young/", views.too_young, name="signup-too-young"),
    path("settings/", views.account_settings, name="account-settings"),
    path("settings/filters/", views.account_settings_filters, name="account-settings-filters"),
    path(
        "settings/notifications/",
        views.account_settings_notifications,
        name="account-settings-notifications",
    ),
    path(
        "settings/future-self/",
        views.account_settings_future_self,
        name="account-settings-future-self",
    ),
    path(
        "settings/future-self/trusted-by/",
        views.account_trusted_by,
        name="account-trusted-by",
    ),
    path("settings/blocks/", views.account_block_create, name="account-block-create"),
    path("settings/blocks/remove/", views.account_block_delete, name="account-block-delete"),
]
