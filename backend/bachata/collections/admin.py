from django.contrib import admin

from .models import SavedChoreography


@admin.register(SavedChoreography)
class SavedChoreographyAdmin(admin.ModelAdmin):
    """Users' collections, read-mostly: the video and its metadata come from generation."""

    list_display = ("title", "user", "difficulty", "duration", "created_at")
    list_filter = ("difficulty", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("title", "user__username", "user__email")
    ordering = ("-created_at",)
    show_full_result_count = False
    fields = (
        "id",
        "title",
        "difficulty",
        "user",
        "created_at",
        "duration",
        "video_key",
        "thumbnail_key",
        "music_info",
        "generation_parameters",
    )
    readonly_fields = (
        "id",
        "user",
        "created_at",
        "duration",
        "video_key",
        "thumbnail_key",
        "music_info",
        "generation_parameters",
    )

    def has_add_permission(self, request):
        return False

    # The storage key as stored: rendering a FileField would ask the storage backend for a URL.
    @admin.display(description="video")
    def video_key(self, choreography):
        return choreography.video_path.name

    @admin.display(description="thumbnail")
    def thumbnail_key(self, choreography):
        return choreography.thumbnail.name if choreography.thumbnail else "—"
