"""Routes of the research tools: collections, saved searches, coverage, similar."""

from __future__ import annotations

from django.urls import path

from search import collection_views, research_views, watch_views

urlpatterns = [
    path("collections/", collection_views.collection_list, name="collections"),
    path(
        "collections/new/",
        collection_views.collection_create,
        name="collection_create",
    ),
    path(
        "collections/<id:pk>/",
        collection_views.collection_detail,
        name="collection",
    ),
    path(
        "collections/<id:pk>/settings/",
        collection_views.collection_settings,
        name="collection_settings",
    ),
    path(
        "collections/<id:pk>/items/<id:item_id>/",
        collection_views.item_action,
        name="collection_item",
    ),
    path(
        "collections/<id:pk>/export.<str:fmt>",
        collection_views.collection_export,
        name="collection_export",
    ),
    path(
        "collect/<id:paragraph_id>/",
        collection_views.collect_paragraph,
        name="collect_paragraph",
    ),
    path(
        "collect/<id:paragraph_id>/add/",
        collection_views.collect_paragraph_post,
        name="collect_paragraph_post",
    ),
    path("collect/results/", collection_views.collect_results, name="collect_results"),
    path(
        "collect/results/add/",
        collection_views.collect_results_post,
        name="collect_results_post",
    ),
    path("saved/", watch_views.saved_list, name="saved_searches"),
    path("saved/new/", watch_views.saved_new, name="saved_search_new"),
    path("saved/new/save/", watch_views.saved_create, name="saved_search_create"),
    path("saved/<id:pk>/", watch_views.saved_detail, name="saved_search"),
    path("saved/<id:pk>/update/", watch_views.saved_update, name="saved_search_update"),
    path("feeds/<str:token>.atom", watch_views.feed, name="watch_feed"),
    path("coverage/", research_views.coverage, name="coverage"),
    path("coverage.csv", research_views.coverage_download, name="coverage_csv"),
    path("paragraphs/<id:pk>/similar/", research_views.similar, name="similar"),
]
