from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin on the legacy `users` table, plus the legacy profile columns."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Bachata profile", {"fields": ("display_name", "is_instructor", "preferences")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Bachata profile", {"classes": ("wide",), "fields": ("email", "display_name", "is_instructor")}),
    )
    list_display = (
        "username",
        "email",
        "display_name",
        "is_instructor",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = (*DjangoUserAdmin.list_filter, "is_instructor")
    search_fields = ("username", "email", "display_name")
    show_full_result_count = False
