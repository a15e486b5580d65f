from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bachata.api.fields import StrictJSONSerializer
from bachata.api.media import media_url
from bachata.moves.vocabulary import ENERGY_LEVELS, STYLES
from bachata.vocabulary import Difficulty

from .ledger.vocabulary import API_STATUSES, api_status
from .models import ChoreographyTask, TaskEvent


class GenerateRequestSerializer(StrictJSONSerializer):
    audio_input = serializers.CharField(
        required=False,
        allow_blank=False,
        max_length=2000,
        help_text="http(s) link, YouTube link or gs:// URI",
    )
    song_id = serializers.CharField(
        required=False, max_length=500, help_text="A song of the library (GET /api/songs)"
    )
    upload_id = serializers.UUIDField(
        required=False, help_text="One of your uploads (POST /api/songs/upload)"
    )
    difficulty = serializers.ChoiceField(choices=Difficulty.values, default=Difficulty.INTERMEDIATE)
    energy_level = serializers.ChoiceField(choices=ENERGY_LEVELS, default="medium")
    style = serializers.ChoiceField(choices=STYLES, required=False, allow_blank=True, default="")
    query = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")

    def validate(self, attrs):
        given = [name for name in ("audio_input", "song_id", "upload_id") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"audio_input": ["Choose exactly one song: a link, a library song or one of your uploads."]}
            )
        return attrs


class GenerateResponseSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    job_execution_name = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=API_STATUSES)
    message = serializers.CharField()
    poll_url = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField(help_text="Owner-only, time-limited; set once completed")
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ChoreographyTask
        fields = [
            "task_id",
            "status",
            "progress",
            "stage",
            "message",
            "result",
            "error",
            "created_at",
            "updated_at",
            "job_execution_name",
            "video_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=API_STATUSES))
    def get_status(self, task) -> str:
        return api_status(task.status, task.stage)

    def _media(self, task, field: str, kind: str) -> str | None:
        if task.status != "completed" or not (task.result or {}).get(field):
            return None
        return media_url(f"/api/choreography/tasks/{task.pk}/{kind}", f"task-{kind}", task.pk, task.user_id)

    def get_video_url(self, task) -> str | None:
        return self._media(task, "video_path", "video")

    def get_thumbnail_url(self, task) -> str | None:
        return self._media(task, "thumbnail_path", "thumbnail")


class TaskEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskEvent
        fields = ["seq", "type", "payload", "attempt", "execution", "actor", "created_at"]
        read_only_fields = fields


class TaskListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=API_STATUSES, required=False)

    def to_internal_value(self, data):
        if data.get("status") == "":
            raise serializers.ValidationError({"status": ["Choose a status, or leave the filter out."]})
        return super().to_internal_value(data)
