from __future__ import annotations

from django.urls import path

from putright.problems import views

app_name = "problems"

_problem = "problems/<int:pk>/"

urlpatterns = [
    path("problems/", views.board, name="board"),
    path("problems/new/", views.problem_open, name="open"),
    path("problems/trend.json", views.board_trend, name="board_trend"),
    path("problems/regroup/", views.regroup_start, name="regroup_start"),
    path("problems/regroup/status/", views.regroup_status, name="regroup_status"),
    path("problems/owners/", views.owners, name="owners"),
    path("problems/owners/<int:route_id>/remove/", views.owner_remove, name="owner_remove"),
    path(_problem, views.detail, name="detail"),
    path(_problem + "trend.json", views.trend, name="trend"),
    path(_problem + "transition/", views.transition, name="transition"),
    path(_problem + "assign/", views.assign, name="assign"),
    path(_problem + "take/", views.take, name="take"),
    path(_problem + "links/", views.link, name="link"),
    path(_problem + "links/<str:reference>/unlink/", views.unlink, name="unlink"),
    path(_problem + "merge/", views.merge, name="merge"),
]
