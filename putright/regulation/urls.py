from __future__ import annotations

from django.urls import path

from putright.regulation import views

app_name = "regulation"

_case = "cases/<str:reference>/"

urlpatterns = [
    path("deadlines/", views.deadlines, name="deadlines"),
    path(_case + "clocks/", views.clock_start, name="clock_start"),
    path(_case + "clocks/<int:clock_id>/done/", views.clock_met, name="clock_met"),
    path(_case + "clocks/<int:clock_id>/stop/", views.clock_stop, name="clock_stop"),
    path(_case + "clocks/<int:clock_id>/extend/", views.clock_extend, name="clock_extend"),
    path(_case + "letter-draft/", views.letter_draft, name="letter_draft"),
]
