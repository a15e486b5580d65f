from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bachata.api.fields import StrictJSONSerializer
from bachata.moves.vocabulary import ENERGY_LEVELS, MOVE_LABELS, STYLES, TEMPOS
from bachata.vocabulary import Difficulty

from . import get_query_parser
from .schema import MAX_QUERY_CHARS


class ParseQueryRequestSerializer(StrictJSONSerializer):
    query = serializers.CharField(
        max_length=MAX_QUERY_CHARS, help_text="e.g. 'a slow romantic routine with turns'"
    )


class UnderstoodSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    field = serializers.CharField()
    value = serializers.CharField()
    negated = serializers.BooleanField()


class ParseQueryResponseSerializer(serializers.Serializer):
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    energy_level = serializers.ChoiceField(choices=ENERGY_LEVELS)
    style = serializers.ChoiceField(choices=STYLES)
    tempo = serializers.ChoiceField(choices=TEMPOS)
    bpm = serializers.IntegerField(allow_null=True)
    specific_moves = serializers.ListField(child=serializers.ChoiceField(choices=MOVE_LABELS))
    understood = UnderstoodSerializer(many=True)
    source = serializers.ChoiceField(choices=["rules", "gemini"])
    fallback_reason = serializers.CharField(allow_null=True)


class ParseQueryView(APIView):
    """Turn a description into generation parameters (Gemini when configured, rules otherwise or on failure)."""

    @extend_schema(request=ParseQueryRequestSerializer, responses={200: ParseQueryResponseSerializer})
    def post(self, request):
        serializer = ParseQueryRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parsed = get_query_parser().parse(serializer.validated_data["query"])
        return Response(parsed.to_dict())
