from django.urls import path

from putright.feedback import views

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.feed, name="feed"),
    path("feedback/share/<str:reference>/", views.share, name="share"),
]
