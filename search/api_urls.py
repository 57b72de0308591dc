from __future__ import annotations

from django.urls import path

from search import api

app_name = "api"

urlpatterns = [
    path("search", api.search, name="search"),
    path("articles", api.articles, name="articles"),
    path("articles/<id:pk>", api.article, name="article"),
    path("schema", api.schema, name="schema"),
]
