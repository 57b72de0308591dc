from __future__ import annotations

from django.urls import path

from search import research_urls, views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("articles/<id:pk>/", views.article, name="article"),
    path("articles/<id:pk>/cite/<id:position>/", views.cite, name="cite"),
    path(
        "articles/<id:pk>/cite.<str:fmt>",
        views.article_citation,
        name="article_citation",
    ),
    path("paragraphs/<id:pk>/", views.paragraph_permalink, name="paragraph"),
    path("paragraphs/<id:pk>/context/", views.paragraph_context, name="context"),
    path("export.<str:fmt>", views.export, name="export"),
    path("opensearch.xml", views.opensearch, name="opensearch"),
    path("robots.txt", views.robots, name="robots"),
]
urlpatterns += research_urls.urlpatterns
