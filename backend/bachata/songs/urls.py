from bachata.api.routing import api_path

from . import views

urlpatterns = [
    api_path("songs", views.LibrarySongListView.as_view(), "song-list"),
    api_path("songs/upload", views.SongUploadView.as_view(), "song-upload"),
    api_path("songs/uploads", views.SongUploadListView.as_view(), "song-upload-list"),
    api_path("songs/uploads/<uuid:upload_id>", views.SongUploadDetailView.as_view(), "song-upload-detail"),
]
