from django.urls import path

from putright.channels import views

app_name = "portal"
urlpatterns = [
    path("report/", views.report_form, name="report"),
    path("report/thanks/<str:token>/", views.report_thanks, name="report_thanks"),
    path("track/<str:token>/", views.case_page, name="case"),
]
