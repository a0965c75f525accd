"""The case page's purchase facts, statutory options and negotiation: one URL per form, under the case."""

from __future__ import annotations

from django.urls import path

from putright.resolution import views

app_name = "resolution"

_case = "cases/<str:reference>/"

urlpatterns = [
    path(_case + "facts/", views.facts_record, name="facts_record"),
    path(_case + "options/statutory/", views.statutory_options_add, name="statutory_options_add"),
    path(_case + "offers/", views.offer_make, name="offer_make"),
    path(_case + "offers/counter/", views.offer_counter, name="offer_counter"),
    path(_case + "offers/<int:offer_id>/settle/", views.offer_settle, name="offer_settle"),
    path(_case + "offers/<int:offer_id>/reject/", views.offer_reject, name="offer_reject"),
]
