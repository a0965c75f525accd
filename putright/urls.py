from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from putright.api import api
from putright.authority import password_reset
from putright.authority import views as authority_views
from putright.authority.views import ThrottledLoginView
from putright.pages import urls as pages_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Staff sign-in's edges: the two-factor code step, enrolment and a person's own page; password reset.
    path("login/code/", authority_views.code_step, name="two_factor_code"),
    path("account/two-factor/", authority_views.settings_page, name="two_factor_settings"),
    path("account/two-factor/set-up/", authority_views.enrol, name="two_factor_enrol"),
    path("account/two-factor/backup-codes/", authority_views.backup_codes, name="two_factor_backup_codes"),
    path("password-reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", password_reset.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/", api.urls),
    path("", include("putright.portal.urls")),
    path("", include((pages_urls.case_urlpatterns, "cases"))),
    path("", include((pages_urls.resolution_urlpatterns, "resolution"))),
    path("", include((pages_urls.team_urlpatterns, "teams"))),
    path("", include((pages_urls.procedure_urlpatterns, "procedures"))),
    path("", include((pages_urls.quality_urlpatterns, "quality"))),
    path("", include(pages_urls.insights_urlpatterns)),
    path("", include((pages_urls.improvement_urlpatterns, "improvements"))),
    path("", include("putright.regulation.urls")),
    path("", include("putright.problems.urls")),
    path("", include("putright.feedback.urls")),
    path("", include("putright.monitoring.urls")),
]
