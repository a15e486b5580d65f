from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bachata.api.conditional import IF_NONE_MATCH_PARAMETER, none_match, not_modified, weak_etag, with_etag
from bachata.api.errors import ApiError
from bachata.api.media import media_token_epoch, media_view_schema, requesting_user_id, stored_media_response
from bachata.api.pagination import StandardPagination
from bachata.songs.selectors import library_song_exists, song_key_from_id, upload_for_user

from . import selectors, services
from .audio_sources import AudioInputError, audio_input_parse
from .ledger.vocabulary import api_status
from .models import ChoreographyTask
from .serializers import (
    GenerateRequestSerializer,
    GenerateResponseSerializer,
    TaskEventSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Makes client retries safe: the same key returns the same task.",
)


def _poll_url(task_id: str) -> str:
    return f"/api/choreography/tasks/{task_id}"


def _audio_parameters(user, data) -> dict:
    if data.get("upload_id"):
        upload = upload_for_user(user, data["upload_id"])
        if upload is None:
            raise ApiError(
                "That upload does not exist.",
                code="upload_not_found",
                status_code=404,
                fields={"upload_id": ["That upload does not exist."]},
            )
        return {
            "audio_input": upload.storage_key,
            "source": "upload",
            "upload_id": str(upload.pk),
            "song_title": upload.title,
        }
    if data.get("song_id"):
        key = song_key_from_id(data["song_id"])
        if not library_song_exists(key):
            raise ApiError(
                "That song is not in the library.",
                code="song_not_found",
                status_code=404,
                fields={"song_id": ["That song is not in the library."]},
            )
        return {"audio_input": key, "source": "library", "song_id": key}
    try:
        source = audio_input_parse(
            data["audio_input"],
            allow_private_hosts=settings.AUDIO_ALLOW_PRIVATE_HOSTS,
            gcs_buckets=settings.AUDIO_GCS_ALLOWED_BUCKETS,
        )
    except AudioInputError as exc:
        raise ApiError(str(exc), code="invalid_audio_input", fields={"audio_input": [str(exc)]}) from exc
    return {"audio_input": source.value, "source": source.kind}


class GenerateView(APIView):
    @extend_schema(
        request=GenerateRequestSerializer,
        responses={202: GenerateResponseSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def post(self, request):
        serializer = GenerateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and (len(key) > 200 or not key.isprintable()):
            raise ApiError(
                "The Idempotency-Key header must be printable and at most 200 characters.",
                code="invalid_idempotency_key",
            )
        parameters = {
            **_audio_parameters(request.user, data),
            "difficulty": data["difficulty"],
            "energy_level": data["energy_level"],
            "style": data["style"],
            "query": data["query"],
        }
        task = services.generation_start(user=request.user, parameters=parameters, idempotency_key=key)
        body = {
            "task_id": task.task_id,
            "job_execution_name": task.job_execution_name,
            "status": api_status(task.status, task.stage),
            "message": task.error or task.message,
            "poll_url": _poll_url(task.task_id),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["poll_url"]})


def _own_task(request, task_id):
    task = selectors.task_get_for_user(request.user, task_id)
    if task is None:
        raise NotFound("Task not found.")
    return task


# Bump when TaskSerializer's output changes, so that clients' copies of the old shape are not "current".
TASK_REPRESENTATION = "task-1"


def _task_etag(digest: str) -> str:
    return weak_etag(TASK_REPRESENTATION, digest, media_token_epoch())


class TaskDetailView(APIView):
    @extend_schema(
        responses={
            200: TaskSerializer,
            304: OpenApiResponse(description="Not modified: your copy is current"),
        },
        parameters=[IF_NONE_MATCH_PARAMETER],
    )
    def get(self, request, task_id):
        """The status poll. Send the last response's ETag in If-None-Match: 304 without a body until the
        task changes."""
        if request.headers.get("If-None-Match"):
            digest = selectors.task_digest_for_user(request.user, task_id)
            if digest is None:
                raise NotFound("Task not found.")
            if none_match(request, etag := _task_etag(digest)):
                return not_modified(etag)
        task = selectors.task_with_digest_for_user(request.user, task_id)
        if task is None:
            raise NotFound("Task not found.")
        return with_etag(Response(TaskSerializer(task).data), _task_etag(task.digest))

    @extend_schema(request=None, responses={202: TaskSerializer}, summary="Cancel the task")
    def delete(self, request, task_id):
        _own_task(request, task_id)
        task = services.task_cancel(task_id=task_id, actor="api")
        return Response(TaskSerializer(task).data, status=status.HTTP_202_ACCEPTED)


class TaskRetryView(APIView):
    @extend_schema(request=None, responses={202: TaskSerializer})
    def post(self, request, task_id):
        _own_task(request, task_id)
        task = services.task_retry(task_id=task_id, actor="api")
        return Response(TaskSerializer(task).data, status=status.HTTP_202_ACCEPTED)


class TaskListView(ListAPIView):
    serializer_class = TaskSerializer
    pagination_class = StandardPagination

    @extend_schema(parameters=[TaskListQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = TaskListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.tasks_for_user(self.request.user, query.validated_data.get("status"))


class TimelinePagination(StandardPagination):
    page_size = 100


class TaskEventsView(ListAPIView):
    serializer_class = TaskEventSerializer
    pagination_class = TimelinePagination

    def get_queryset(self):
        return selectors.task_events(_own_task(self.request, self.kwargs["task_id"]))


class TaskMediaView(APIView):
    """A finished task's video or thumbnail, for its owner (Bearer token, or the signed URL's token)."""

    permission_classes = [AllowAny]
    throttle_classes = []
    field, kind = "video_path", "task-video"

    @media_view_schema
    def get(self, request, task_id):
        user_id = requesting_user_id(request, self.kind, task_id)
        task = ChoreographyTask.objects.filter(pk=task_id, user_id=user_id).first() if user_id else None
        path = (task.result or {}).get(self.field) if task and task.status == "completed" else None
        return stored_media_response(request, path)


class TaskThumbnailView(TaskMediaView):
    field, kind = "thumbnail_path", "task-thumbnail"
