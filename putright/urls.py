from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from putright.api import api
from putright.authority.views import ThrottledLoginView
from putright.pages import urls as pages_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("", include("putright.portal.urls")),
    path("", include((pages_urls.case_urlpatterns, "cases"))),
    path("", include((pages_urls.resolution_urlpatterns, "resolution"))),
    path("", include("putright.regulation.urls")),
    path("", include("putright.problems.urls")),
    path("", include("putright.feedback.urls")),
    path("", include("putright.monitoring.urls")),
]
