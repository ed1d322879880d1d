from django.urls import include, path

from portal.views import accounts, audit, dashboard, forms, keys, log, staff, team

app_name = "portal"

account_urls = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        accounts.PasswordResetSentView.as_view(),
        name="password_reset_sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("invite/<str:token>/", accounts.invitation, name="invitation"),
]

# Every merchant page takes the customer's slug first; see portal.tenancy.
merchant_urls = [
    path("", dashboard.dashboard, name="dashboard"),
    path("keys/", keys.keys, name="keys"),
    path("keys/test/", keys.test, name="send_test"),
    path("keys/<uuid:key_id>/retire/", keys.retire, name="key_retire"),
    path(
        "keys/<uuid:key_id>/retire/confirm/",
        keys.retire_confirm,
        name="key_retire_confirm",
    ),
    path("forms/", forms.endpoint_list, name="forms"),
    path("forms/new/", forms.endpoint_create, name="form_create"),
    path("forms/<uuid:endpoint_id>/", forms.endpoint_edit, name="form_edit"),
    path("log/", log.log, name="log"),
    path("log/download/", log.download, name="log_download"),
    path(
        "log/<uuid:submission_id>/redeliver/",
        log.redeliver_submission,
        name="redeliver",
    ),
    path("audit/", audit.audit_log, name="audit"),
    path("team/", team.team, name="team"),
]

staff_urls = [
    path("", staff.customer_list, name="staff_customers"),
    path("onboard/", staff.onboard, name="staff_onboard"),
    path("audit/", staff.audit_log, name="staff_audit"),
    path("customers/<slug:slug>/", staff.customer_detail, name="staff_customer"),
    path(
        "customers/<slug:slug>/invite/",
        staff.invite_to_customer,
        name="staff_invite",
    ),
    path(
        "submissions/<uuid:submission_id>/redeliver/",
        staff.redeliver_submission,
        name="staff_redeliver",
    ),
]

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("customers/", dashboard.choose_customer, name="choose_customer"),
    path("", include(account_urls)),
    path("c/<slug:customer_slug>/", include(merchant_urls)),
    path("staff/", include(staff_urls)),
]
