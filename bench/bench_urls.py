from bachata.api.routing import api_path
from bachata.urls import urlpatterns as app_urlpatterns
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class BareView(APIView):
    """Does no work: the framework's floor (no authentication, no throttling, no database)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"ok": True})


class BareAuthenticatedView(APIView):
    """Does no work beyond what every API view does: JWT authentication and throttling."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    api_path("api/bench/bare", BareView.as_view(), "bench-bare"),
    api_path("api/bench/bare-auth", BareAuthenticatedView.as_view(), "bench-bare-auth"),
    *app_urlpatterns,
]
