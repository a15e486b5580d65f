from bachata.api.routing import api_path
from bachata.queryparser.views import ParseQueryView

from . import views

urlpatterns = [
    api_path("moves/search", views.MoveSearchView.as_view(), "move-search"),
    api_path("moves/parse-query", ParseQueryView.as_view(), "move-parse-query"),
    api_path("choreography/parse-query", ParseQueryView.as_view(), "choreography-parse-query"),
]
