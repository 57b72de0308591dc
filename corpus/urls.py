from __future__ import annotations

from django.urls import path

from corpus import views

app_name = "editor"

urlpatterns = [
    path("tags/", views.bulk_tag, name="bulk_tag"),
]
