from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bachata.api.routing import api_path
from bachata.api.spa import spa_index
from bachata.api.views import HealthView, MetricsView

api_patterns = [
    api_path("health", HealthView.as_view(), "health"),
    api_path("metrics", MetricsView.as_view(), "metrics"),
    api_path("schema", SpectacularAPIView.as_view(), "schema"),
    api_path("docs", SpectacularSwaggerView.as_view(url_name="schema"), "docs"),
    path("", include("bachata.users.urls")),
    path("", include("bachata.choreography.urls")),
    path("", include("bachata.collections.urls")),
    path("", include("bachata.instructors.urls")),
    path("", include("bachata.songs.urls")),
    path("", include("bachata.moves.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    # The web app's client-side routes (its files come from WhiteNoise); /api/, /admin/, /static/ excluded.
    re_path(r"^(?!api(?:/|$)|admin(?:/|$)|static/).*$", spa_index, name="spa"),
]

handler404 = "bachata.api.errors.json_not_found"
handler500 = "bachata.api.errors.json_server_error"
