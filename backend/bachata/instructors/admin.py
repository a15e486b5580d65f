from django.contrib import admin

from .models import ClassPlan, ClassPlanSequence


class ClassPlanSequenceInline(admin.TabularInline):
    """Read-only: UNIQUE(class_plan_id, sequence_order) is not deferrable, so reordering here would fail."""

    model = ClassPlanSequence
    fields = ("sequence_order", "choreography", "estimated_time", "notes")
    readonly_fields = fields
    ordering = ("sequence_order",)
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("choreography")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClassPlan)
class ClassPlanAdmin(admin.ModelAdmin):
    list_display = ("title", "instructor", "difficulty_level", "estimated_duration", "created_at")
    list_filter = ("difficulty_level", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("instructor",)
    search_fields = ("title", "instructor__username", "instructor__email")
    ordering = ("-created_at",)
    show_full_result_count = False
    fields = (
        "title",
        "description",
        "difficulty_level",
        "estimated_duration",
        "instructor_notes",
        "instructor",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("instructor", "created_at", "updated_at")
    inlines = [ClassPlanSequenceInline]

    def has_add_permission(self, request):
        return False
