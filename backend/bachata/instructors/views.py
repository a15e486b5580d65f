"""The instructors API: class plans and their sequences. Instructors only; another instructor's plan is a 404."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bachata.api.pagination import StandardPagination

from . import selectors, services
from .models import ClassPlan
from .serializers import (
    ClassPlanDetailSerializer,
    ClassPlanDuplicateSerializer,
    ClassPlanExportSerializer,
    ClassPlanListQuerySerializer,
    ClassPlanSequenceSerializer,
    ClassPlanSerializer,
    ClassPlanSummarySerializer,
    ClassPlanWriteSerializer,
    DashboardSerializer,
    ExportQuerySerializer,
    SequenceCreateSerializer,
    SequenceReorderSerializer,
    SequenceUpdateSerializer,
)

PLAN_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Class plan id")
SEQUENCE_ID = OpenApiParameter(
    "sequence_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Sequence id (of this plan)"
)


class IsInstructor(BasePermission):
    message = "Only instructor accounts can use class plans."
    code = "not_instructor"

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_instructor", False))


INSTRUCTOR_PERMISSIONS = [IsAuthenticated, IsInstructor]


class InstructorView(APIView):
    permission_classes = INSTRUCTOR_PERMISSIONS


def _plan_not_found() -> NotFound:
    return NotFound("Class plan not found.")


def _own_plan(request, plan_id) -> ClassPlan:
    """The plan with its sequences, for reading; 404 when it is not the instructor's."""
    plan = selectors.class_plan_get_for_instructor(request.user, plan_id)
    if plan is None:
        raise _plan_not_found()
    return plan


def _check_own_plan(request, plan_id) -> ClassPlan:
    """Just the ownership check before a write (the service locks the row itself)."""
    plan = selectors.class_plan_get_owned(request.user, plan_id)
    if plan is None:
        raise _plan_not_found()
    return plan


def _detail(request, plan_id, http_status=status.HTTP_200_OK) -> Response:
    return Response(ClassPlanDetailSerializer(_own_plan(request, plan_id)).data, status=http_status)


class ClassPlanListView(ListAPIView):
    permission_classes = INSTRUCTOR_PERMISSIONS
    serializer_class = ClassPlanSerializer
    pagination_class = StandardPagination

    @extend_schema(parameters=[ClassPlanListQuerySerializer], summary="Your class plans, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ClassPlanListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.class_plans_for_instructor(self.request.user, **query.validated_data)

    @extend_schema(request=ClassPlanWriteSerializer, responses={201: ClassPlanDetailSerializer})
    def post(self, request):
        serializer = ClassPlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.class_plan_create(instructor=request.user, data=serializer.validated_data)
        return _detail(request, plan.pk, status.HTTP_201_CREATED)


class ClassPlanDetailView(InstructorView):
    @extend_schema(parameters=[PLAN_ID], responses={200: ClassPlanDetailSerializer})
    def get(self, request, id):
        return _detail(request, id)

    @extend_schema(
        parameters=[PLAN_ID],
        request=ClassPlanWriteSerializer,
        responses={200: ClassPlanDetailSerializer},
        summary="Replace the plan's fields (left-out optional fields are reset)",
    )
    def put(self, request, id):
        return self._update(request, id, partial=False)

    @extend_schema(
        parameters=[PLAN_ID],
        request=ClassPlanWriteSerializer(partial=True),
        responses={200: ClassPlanDetailSerializer},
        summary="Change some of the plan's fields",
    )
    def patch(self, request, id):
        return self._update(request, id, partial=True)

    def _update(self, request, id, *, partial):
        plan = _check_own_plan(request, id)
        serializer = ClassPlanWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.class_plan_update(plan=plan, data=serializer.validated_data)
        return _detail(request, id)

    @extend_schema(parameters=[PLAN_ID], responses={204: None}, summary="Delete the plan and its sequences")
    def delete(self, request, id):
        services.class_plan_delete(plan=_check_own_plan(request, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SequenceListView(InstructorView):
    @extend_schema(
        parameters=[PLAN_ID],
        request=SequenceCreateSerializer,
        responses={201: ClassPlanSequenceSerializer},
        summary="Add one of your saved choreographies to the plan",
    )
    def post(self, request, id):
        plan = _check_own_plan(request, id)
        serializer = SequenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sequence = services.class_plan_sequence_add(plan=plan, **serializer.validated_data)
        sequence = selectors.class_plan_sequence_get(request.user, id, sequence.pk)
        return Response(ClassPlanSequenceSerializer(sequence).data, status=status.HTTP_201_CREATED)


class SequenceDetailView(InstructorView):
    def _own_sequence(self, request, id, sequence_id):
        sequence = selectors.class_plan_sequence_get(request.user, id, sequence_id)
        if sequence is None:
            raise NotFound("Sequence not found.")
        return sequence

    @extend_schema(
        parameters=[PLAN_ID, SEQUENCE_ID],
        request=SequenceUpdateSerializer,
        responses={200: ClassPlanSequenceSerializer},
        summary="Change a sequence's notes or estimated time",
    )
    def patch(self, request, id, sequence_id):
        sequence = self._own_sequence(request, id, sequence_id)
        serializer = SequenceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        sequence = services.class_plan_sequence_update(sequence=sequence, data=serializer.validated_data)
        return Response(ClassPlanSequenceSerializer(sequence).data)

    @extend_schema(
        parameters=[PLAN_ID, SEQUENCE_ID],
        responses={204: None},
        summary="Remove a sequence (the ones after it move up)",
    )
    def delete(self, request, id, sequence_id):
        services.class_plan_sequence_delete(sequence=self._own_sequence(request, id, sequence_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SequenceReorderView(InstructorView):
    @extend_schema(
        parameters=[PLAN_ID],
        request=SequenceReorderSerializer,
        responses={200: ClassPlanDetailSerializer},
        summary="Put all of the plan's sequences in a new order, at once",
    )
    def post(self, request, id):
        plan = _check_own_plan(request, id)
        serializer = SequenceReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.class_plan_sequences_reorder(
            plan=plan, sequence_ids=serializer.validated_data["sequence_ids"]
        )
        return _detail(request, id)


class ClassPlanDuplicateView(InstructorView):
    @extend_schema(
        parameters=[PLAN_ID],
        request=ClassPlanDuplicateSerializer,
        responses={201: ClassPlanDetailSerializer},
        summary='Copy the plan (as "Copy of <title>" unless a title is given), with or without its sequences',
    )
    def post(self, request, id):
        plan = _check_own_plan(request, id)
        serializer = ClassPlanDuplicateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.class_plan_duplicate(plan=plan, **serializer.validated_data)
        return _detail(request, copy.pk, status.HTTP_201_CREATED)


class ClassPlanSummaryView(InstructorView):
    @extend_schema(parameters=[PLAN_ID], responses={200: ClassPlanSummarySerializer})
    def get(self, request, id):
        return Response(ClassPlanSummarySerializer(selectors.class_plan_summary(_own_plan(request, id))).data)


class ExportFormatNegotiation(DefaultContentNegotiation):
    """Here `?format=` picks the export (see ClassPlanExportView), not a DRF renderer: everything the API
    renders itself, errors included, stays JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ClassPlanExportView(InstructorView):
    content_negotiation_class = ExportFormatNegotiation

    @extend_schema(
        parameters=[PLAN_ID, ExportQuerySerializer],
        responses={
            (200, "application/json"): ClassPlanExportSerializer,
            (200, "text/html"): OpenApiTypes.STR,
        },
        summary="Printable export: ?format=json (default) or ?format=html (a self-contained page to print)",
    )
    def get(self, request, id):
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        export = selectors.class_plan_export(_own_plan(request, id), request.user)
        if query.validated_data["format"] == "json":
            return Response(ClassPlanExportSerializer(export).data)
        # Django templates escape every value; the page loads nothing and runs no script.
        response = HttpResponse(
            render_to_string("instructors/class_plan_export.html", {"export": export}),
            content_type="text/html; charset=utf-8",
        )
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        filename = slugify(export["plan"]["title"]) or "class-plan"
        response["Content-Disposition"] = f'inline; filename="{filename}.html"'
        return response


class DashboardView(InstructorView):
    @extend_schema(responses={200: DashboardSerializer}, summary="Your class-plan statistics")
    def get(self, request):
        return Response(DashboardSerializer(selectors.instructor_dashboard(request.user)).data)
