from datetime import timedelta

from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthView(APIView):
    """Liveness and database check; answers fast and needs no login."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health", {"status": serializers.CharField(), "database": serializers.CharField()}
            ),
            503: inline_serializer(
                "HealthDown", {"status": serializers.CharField(), "database": serializers.CharField()}
            ),
        }
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return Response({"status": "ok", "database": "ok"})
        except Exception:
            return Response({"status": "unavailable", "database": "unreachable"}, status=503)


class MetricsView(APIView):
    """Staff only: tasks by status, queue depth, stage durations over the last 24 hours."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Metrics",
                {
                    "tasks_by_status": serializers.DictField(child=serializers.IntegerField()),
                    "queue_depth": serializers.IntegerField(),
                    "stage_durations": serializers.DictField(child=serializers.DictField()),
                    "since": serializers.DateTimeField(),
                },
            )
        }
    )
    def get(self, request):
        from bachata.choreography.selectors import task_metrics

        return Response(task_metrics(since=timezone.now() - timedelta(hours=24)))
