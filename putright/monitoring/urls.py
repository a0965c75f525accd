from django.urls import path

from putright.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("signals/", views.signals_home, name="signals"),
    path("signals/breaches/<int:breach_id>/", views.breach_detail, name="breach"),
    path("signals/breaches/<int:breach_id>/notice/", views.breach_notice, name="breach_notice"),
    path("signals/breaches/<int:breach_id>/notice/status/", views.breach_notice_status, name="notice_status"),
]
