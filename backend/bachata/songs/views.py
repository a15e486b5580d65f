from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import SongUpload
from .serializers import LibrarySongSerializer, SongUploadRequestSerializer, SongUploadSerializer


class LibrarySongListView(ListAPIView):
    serializer_class = LibrarySongSerializer

    def get_queryset(self):
        return services.library_sync()


class SongUploadView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": SongUploadRequestSerializer}, responses={201: SongUploadSerializer}
    )
    def post(self, request):
        services.song_upload_check_length(request.META.get("CONTENT_LENGTH"))
        request._request.upload_handlers = [services.LimitedUploadHandler(request._request)]
        serializer = SongUploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = services.song_upload_create(
            user=request.user,
            uploaded_file=serializer.validated_data["file"],
            title=serializer.validated_data.get("title", ""),
        )
        return Response(SongUploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class SongUploadListView(ListAPIView):
    serializer_class = SongUploadSerializer

    def get_queryset(self):
        return SongUpload.objects.filter(user=self.request.user).order_by("-created_at")


class SongUploadDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, upload_id):
        upload = SongUpload.objects.filter(user=request.user, pk=upload_id).first()
        if upload is None:
            raise NotFound("Not found.")
        services.song_upload_delete(upload=upload)
        return Response(status=status.HTTP_204_NO_CONTENT)
