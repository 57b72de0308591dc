from __future__ import annotations

from django.urls import path

from search import api, research_api

app_name = "api"

urlpatterns = [
    path("search", api.search, name="search"),
    path("articles", api.articles, name="articles"),
    path("articles/<int:pk>", api.article, name="article"),
    path("collections", research_api.collections, name="collections"),
    path("collections/<int:pk>", research_api.collection, name="collection"),
    path("coverage", research_api.coverage, name="coverage"),
    path("paragraphs/<int:pk>/similar", research_api.similar, name="similar"),
]
