from rest_framework import serializers

from bachata.api.fields import StrictJSONSerializer
from bachata.vocabulary import Difficulty

from .models import ClassPlan, ClassPlanSequence
from .selectors import total_minutes

# Upper bounds keep values inside PostgreSQL's int4 and text sizes sensible; a class is never a day long.
MAX_MINUTES = 24 * 60
MAX_TEXT = 10_000
MAX_SEQUENCES = 1000


def _not_blank(data, names):
    # A query parameter sent empty would otherwise count as left out.
    blank = {name: ["Enter a value, or leave it out."] for name in names if data.get(name) == ""}
    if blank:
        raise serializers.ValidationError(blank)


# ---- Class plans ----


class ClassPlanWriteSerializer(StrictJSONSerializer):
    """PUT replaces every field (left-out optional fields go back to their defaults); PATCH changes what it sends."""

    title = serializers.CharField(min_length=1, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    difficulty_level = serializers.ChoiceField(choices=Difficulty.choices)
    estimated_duration = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_MINUTES,
        default=None,
        help_text="Minutes; null when not planned yet.",
    )
    instructor_notes = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, default=""
    )


class ClassPlanListQuerySerializer(serializers.Serializer):
    difficulty_level = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    search = serializers.CharField(
        required=False, max_length=200, help_text="Case-insensitive match anywhere in the title."
    )

    def to_internal_value(self, data):
        _not_blank(data, ["difficulty_level", "search"])
        return super().to_internal_value(data)


class ClassPlanSerializer(serializers.ModelSerializer):
    sequence_count = serializers.IntegerField(read_only=True)
    total_time_minutes = serializers.SerializerMethodField(
        help_text="The sequences' estimated times (a sequence without one counts its video length), rounded up"
    )

    class Meta:
        model = ClassPlan
        fields = [
            "id",
            "title",
            "description",
            "difficulty_level",
            "estimated_duration",
            "instructor_notes",
            "sequence_count",
            "total_time_minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_total_time_minutes(self, plan) -> int:
        return total_minutes(getattr(plan, "total_seconds", 0.0) or 0.0)


# ---- Sequences ----


class SequenceChoreographySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    duration = serializers.FloatField(help_text="Seconds")


class ClassPlanSequenceSerializer(serializers.ModelSerializer):
    choreography = SequenceChoreographySerializer(read_only=True)

    class Meta:
        model = ClassPlanSequence
        fields = ["id", "sequence_order", "notes", "estimated_time", "choreography"]
        read_only_fields = fields


class ClassPlanDetailSerializer(ClassPlanSerializer):
    sequences = ClassPlanSequenceSerializer(many=True, read_only=True)

    class Meta(ClassPlanSerializer.Meta):
        fields = [*ClassPlanSerializer.Meta.fields, "sequences"]
        read_only_fields = fields


class ClassPlanDuplicateSerializer(StrictJSONSerializer):
    title = serializers.CharField(
        required=False, min_length=1, max_length=200, help_text='Left out: "Copy of <title>".'
    )
    include_sequences = serializers.BooleanField(
        required=False, default=True, help_text="Copy the sequences too (default) or just the plan."
    )


class SequenceCreateSerializer(StrictJSONSerializer):
    choreography_id = serializers.UUIDField(help_text="One of your saved choreographies.")
    sequence_order = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="1-based position; later sequences move down one. Left out: appended at the end.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, default="")
    estimated_time = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_MINUTES,
        default=None,
        help_text="Minutes; null: the choreography's video length counts.",
    )


class SequenceUpdateSerializer(StrictJSONSerializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    estimated_time = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_MINUTES, help_text="Minutes"
    )


class SequenceReorderSerializer(StrictJSONSerializer):
    sequence_ids = serializers.ListField(
        child=serializers.UUIDField(),
        allow_empty=True,
        max_length=MAX_SEQUENCES,
        help_text="Every sequence id of the plan exactly once, in the new order.",
    )


# ---- Summary, export, dashboard ----


class ClassPlanSummarySerializer(serializers.Serializer):
    total_sequences = serializers.IntegerField()
    total_time_minutes = serializers.IntegerField(
        help_text="Sum of the sequences' estimated times; a sequence without one counts its video length. "
        "Rounded up."
    )
    total_video_seconds = serializers.FloatField()
    # Plain strings: one OpenAPI enum name per choice set (the same set is `difficulty` elsewhere).
    difficulty_progression = serializers.ListField(
        child=serializers.CharField(),
        help_text="The choreographies' difficulties in class order: beginner, intermediate or advanced.",
    )
    is_progressive = serializers.BooleanField(
        help_text="Difficulties never go down from one sequence to the next."
    )
    estimated_duration = serializers.IntegerField(
        allow_null=True, help_text="The plan's own estimate, minutes"
    )
    recommendations = serializers.ListField(
        child=serializers.CharField(), help_text="Advice on order, level and timing, in words to show"
    )


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=["json", "html"],
        default="json",
        help_text="json: structured data; html: a printable page (text/html).",
    )

    def to_internal_value(self, data):
        _not_blank(data, ["format"])
        return super().to_internal_value(data)


class ExportPlanSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    difficulty_level = serializers.ChoiceField(choices=Difficulty.choices)
    estimated_duration = serializers.IntegerField(allow_null=True)
    instructor_notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ExportInstructorSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class ExportSequenceSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="1-based")
    choreography_id = serializers.UUIDField()
    title = serializers.CharField()
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    duration_seconds = serializers.FloatField()
    estimated_time = serializers.IntegerField(allow_null=True, help_text="Minutes")
    notes = serializers.CharField()


class ClassPlanExportSerializer(serializers.Serializer):
    plan = ExportPlanSerializer()
    instructor = ExportInstructorSerializer()
    sequences = ExportSequenceSerializer(many=True)
    summary = ClassPlanSummarySerializer()
    exported_at = serializers.DateTimeField()


class RecentPlanSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    updated_at = serializers.DateTimeField()


class PlansByDifficultySerializer(serializers.Serializer):
    beginner = serializers.IntegerField()
    intermediate = serializers.IntegerField()
    advanced = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    total_plans = serializers.IntegerField()
    total_sequences = serializers.IntegerField()
    plans_by_difficulty = PlansByDifficultySerializer()
    recent_plans = RecentPlanSerializer(many=True, help_text="The 5 most recently changed plans")
    total_choreographies = serializers.IntegerField(help_text="Your saved choreographies")
