from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bachata.api.fields import StrictJSONSerializer
from bachata.api.media import media_url
from bachata.vocabulary import Difficulty

from . import selectors
from .selectors import SORT_FIELDS

ORDERINGS = sorted([*SORT_FIELDS, *(f"-{f}" for f in SORT_FIELDS)])


class CollectionItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, read_only=True)
    duration = serializers.FloatField(read_only=True)
    music_info = serializers.JSONField(read_only=True, allow_null=True)
    generation_parameters = serializers.JSONField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_video_url(self, item) -> str:
        return media_url(f"/api/collections/{item.pk}/video", "collection-video", item.pk, item.user_id)

    def get_thumbnail_url(self, item) -> str | None:
        if not item.thumbnail:
            return None
        return media_url(
            f"/api/collections/{item.pk}/thumbnail", "collection-thumbnail", item.pk, item.user_id
        )


class BeatGridSerializer(serializers.Serializer):
    bpm = serializers.FloatField()
    beats = serializers.ListField(child=serializers.FloatField(), help_text="Every beat, video seconds")
    downbeats = serializers.ListField(child=serializers.FloatField(), help_text="Count 1 of each bar")
    phrase_starts = serializers.ListField(
        child=serializers.FloatField(), help_text="Count 1 of each 8-count phrase"
    )


class PlannedMoveSerializer(serializers.Serializer):
    clip = serializers.CharField()
    move = serializers.CharField(help_text="The move's label in the library")
    label = serializers.CharField(required=False, help_text="Its name for people")
    start = serializers.FloatField(help_text="Video seconds")
    end = serializers.FloatField(help_text="Video seconds")
    rate = serializers.FloatField(help_text="Playback rate of the clip")


class CollectionItemDetailSerializer(CollectionItemSerializer):
    """One item, with what the practice player needs when the job that made it is known (else null)."""

    timing = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    def to_representation(self, item):
        self._practice = selectors.collection_item_practice(item)  # one lookup for both fields
        return super().to_representation(item)

    @extend_schema_field(BeatGridSerializer(allow_null=True))
    def get_timing(self, item):
        return self._practice["timing"]

    @extend_schema_field(PlannedMoveSerializer(many=True, allow_null=True))
    def get_moves(self, item):
        return self._practice["moves"]


class CollectionQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-created_at")

    def to_internal_value(self, data):
        blank = [name for name in ("difficulty", "ordering") if data.get(name) == ""]
        if blank:
            raise serializers.ValidationError(
                {name: ["Choose a value, or leave the parameter out."] for name in blank}
            )
        return super().to_internal_value(data)


class SaveFromTaskSerializer(StrictJSONSerializer):
    task_id = serializers.CharField(max_length=36)
    title = serializers.CharField(max_length=200)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)


class CollectionItemUpdateSerializer(StrictJSONSerializer):
    title = serializers.CharField(max_length=200, required=False)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)


class CollectionStatsSerializer(serializers.Serializer):
    total_count = serializers.IntegerField()
    total_duration = serializers.FloatField()
    avg_duration = serializers.FloatField()
    beginner_count = serializers.IntegerField()
    intermediate_count = serializers.IntegerField()
    advanced_count = serializers.IntegerField()


class DeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()
