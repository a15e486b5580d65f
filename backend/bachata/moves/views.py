from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bachata.api.errors import ApiError
from bachata.queryparser.rules import RuleBasedQueryParser
from bachata.queryparser.views import UnderstoodSerializer
from bachata.vocabulary import Difficulty

from .factory import get_move_index
from .interface import MoveIndexUnavailable
from .vocabulary import ENERGY_LEVELS, MOVE_LABELS, STYLE_BY_LABEL, STYLES


class MoveSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words: 'turns', 'dips'…"
    )
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    energy_level = serializers.ChoiceField(choices=ENERGY_LEVELS, required=False)
    style = serializers.ChoiceField(choices=STYLES, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)

    def to_internal_value(self, data):
        blank = [name for name in ("difficulty", "energy_level", "style", "limit") if data.get(name) == ""]
        if blank:
            raise serializers.ValidationError(
                {name: ["Choose a value, or leave the parameter out."] for name in blank}
            )
        return super().to_internal_value(data)


class MoveSerializer(serializers.Serializer):
    clip_id = serializers.CharField()
    move_label = serializers.ChoiceField(choices=MOVE_LABELS, allow_null=True)
    difficulty = serializers.CharField(allow_null=True)
    energy_level = serializers.CharField(allow_null=True)
    style = serializers.CharField(allow_null=True)
    estimated_tempo = serializers.FloatField(allow_null=True)
    duration = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(allow_null=True)


class MoveSearchResponseSerializer(serializers.Serializer):
    results = MoveSerializer(many=True)
    relaxed = serializers.ListField(
        child=serializers.CharField(), help_text="Filters dropped to find enough moves"
    )
    understood = UnderstoodSerializer(many=True)


class MoveSearchView(APIView):
    @extend_schema(parameters=[MoveSearchQuerySerializer], responses={200: MoveSearchResponseSerializer})
    def get(self, request):
        query = MoveSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        parsed = RuleBasedQueryParser().parse(params["q"]) if params.get("q") else None
        understood = [u for u in (parsed.understood if parsed else ()) if u.field == "specific_moves"]
        try:
            result = get_move_index().search(
                difficulty=params.get("difficulty"),
                energy_level=params.get("energy_level"),
                style=params.get("style"),
                move_labels=list(parsed.specific_moves) if parsed and parsed.specific_moves else None,
                limit=params["limit"],
            )
        except MoveIndexUnavailable as exc:
            raise ApiError(
                "The move library is not available right now. Please try again later.",
                code="move_index_unavailable",
                status_code=503,
            ) from exc
        results = [
            {
                "clip_id": hit.clip_id,
                "move_label": hit.document.get("move_label"),
                "difficulty": hit.document.get("difficulty"),
                "energy_level": hit.document.get("energy_level"),
                "style": hit.document.get("style") or STYLE_BY_LABEL.get(hit.document.get("move_label")),
                "estimated_tempo": hit.document.get("estimated_tempo"),
                "duration": hit.document.get("duration"),
                "score": hit.score,
            }
            for hit in result.hits
        ]
        return Response(
            {
                "results": results,
                "relaxed": list(result.relaxed),
                "understood": [asdict(u) for u in understood],
            }
        )
