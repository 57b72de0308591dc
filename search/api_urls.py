from __future__ import annotations

from django.urls import path

from search import api, research_api

app_name = "api"

urlpatterns = [
    path("search", api.search, name="search"),
    path("articles", api.articles, name="articles"),
    path("articles/<id:pk>", api.article, name="article"),
    path("schema", api.schema, name="schema"),
    path("collections", research_api.collections, name="collections"),
    path("collections/<id:pk>", research_api.collection, name="collection"),
    path("coverage", research_api.coverage, name="coverage"),
    path("paragraphs/<id:pk>/similar", research_api.similar, name="similar"),
]
