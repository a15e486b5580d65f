from rest_framework import serializers


class LibrarySongSerializer(serializers.Serializer):
    id = serializers.CharField(source="key", help_text="Pass as song_id to POST /api/choreography/generate")
    title = serializers.CharField()
    duration = serializers.FloatField(allow_null=True)
    bpm = serializers.FloatField(allow_null=True)


class SongUploadSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField(source="id")
    title = serializers.CharField()
    original_filename = serializers.CharField()
    duration = serializers.FloatField()
    size_bytes = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SongUploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
