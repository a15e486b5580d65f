from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bachata.api.media import media_view_schema, requesting_user_id, stored_media_response

from . import selectors, services
from .models import SavedChoreography
from .serializers import (
    CollectionItemDetailSerializer,
    CollectionItemSerializer,
    CollectionItemUpdateSerializer,
    CollectionQuerySerializer,
    CollectionStatsSerializer,
    DeletedSerializer,
    SaveFromTaskSerializer,
)


def _own_item(request, item_id):
    item = selectors.collection_item_for_user(request.user, item_id)
    if item is None:
        raise NotFound("Not found.")
    return item


class CollectionListView(ListAPIView):
    serializer_class = CollectionItemSerializer

    @extend_schema(parameters=[CollectionQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = CollectionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.collection_for_user(self.request.user, **query.validated_data)

    @extend_schema(request=SaveFromTaskSerializer, responses={201: CollectionItemSerializer})
    def post(self, request):
        serializer = SaveFromTaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.collection_item_from_task(user=request.user, **serializer.validated_data)
        return Response(CollectionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class CollectionItemView(APIView):
    @extend_schema(responses={200: CollectionItemDetailSerializer})
    def get(self, request, item_id):
        return Response(CollectionItemDetailSerializer(_own_item(request, item_id)).data)

    @extend_schema(request=CollectionItemUpdateSerializer, responses={200: CollectionItemDetailSerializer})
    def put(self, request, item_id):
        item = _own_item(request, item_id)
        serializer = CollectionItemUpdateSerializer(data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        item = services.collection_item_update(item=item, data=serializer.validated_data)
        return Response(CollectionItemDetailSerializer(item).data)

    @extend_schema(request=CollectionItemUpdateSerializer, responses={200: CollectionItemDetailSerializer})
    def patch(self, request, item_id):
        return self.put(request, item_id)

    @extend_schema(responses={204: None})
    def delete(self, request, item_id):
        item = _own_item(request, item_id)
        services.collection_items_delete(user=request.user, items=[item])
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionStatsView(APIView):
    @extend_schema(responses={200: CollectionStatsSerializer})
    def get(self, request):
        return Response(selectors.collection_stats(request.user))


class CollectionDeleteAllView(APIView):
    @extend_schema(
        request=None, responses={200: DeletedSerializer}, summary="Delete every item of my collection"
    )
    def post(self, request):
        deleted = services.collection_items_delete(
            user=request.user, items=selectors.collection_for_user(request.user)
        )
        return Response({"deleted": deleted})


class CollectionMediaView(APIView):
    """The item's video or thumbnail, for its owner: Bearer token, or the signed `token` of its URL."""

    permission_classes = [AllowAny]
    throttle_classes = []  # video players issue many Range requests while seeking
    field = "video_path"
    kind = "collection-video"

    @media_view_schema
    def get(self, request, item_id):
        user_id = requesting_user_id(request, self.kind, item_id)
        item = SavedChoreography.objects.filter(pk=item_id, user_id=user_id).first() if user_id else None
        path = getattr(item, self.field) if item else None
        return stored_media_response(request, path.name if path else None)


class CollectionThumbnailView(CollectionMediaView):
    field = "thumbnail"
    kind = "collection-thumbnail"
