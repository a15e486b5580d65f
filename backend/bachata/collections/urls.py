from bachata.api.routing import api_path

from . import views

urlpatterns = [
    api_path("collections", views.CollectionListView.as_view(), "collection-list"),
    api_path("collections/stats", views.CollectionStatsView.as_view(), "collection-stats"),
    api_path("collections/delete-all", views.CollectionDeleteAllView.as_view(), "collection-delete-all"),
    api_path("collections/<uuid:item_id>", views.CollectionItemView.as_view(), "collection-item"),
    api_path("collections/<uuid:item_id>/video", views.CollectionMediaView.as_view(), "collection-video"),
    api_path(
        "collections/<uuid:item_id>/thumbnail",
        views.CollectionThumbnailView.as_view(),
        "collection-thumbnail",
    ),
]
