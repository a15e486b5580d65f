from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm

from bachata.api.errors import ApiError

from . import services
from .models import User


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login behind the API's lockout, saying so when the account is locked."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.user_login(identifier=username, password=password)
            except ApiError as exc:
                if exc.status_code == 429:
                    raise forms.ValidationError(str(exc.detail), code="account_locked") from exc
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = LockoutAdminAuthenticationForm


class _EmailCheckMixin:
    """An email another account uses is refused here as in the API (the admin's view is one transaction)."""

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        try:
            services.user_email_check(email, user=self.instance if self.instance.pk else None)
        except ApiError as exc:
            raise forms.ValidationError(str(exc.detail), code="email_taken") from exc
        return email


class AdminUserChangeForm(_EmailCheckMixin, UserChangeForm):
    pass


class AdminUserCreationForm(_EmailCheckMixin, DjangoAdminUserCreationForm):
    class Meta(DjangoAdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin on the legacy `users` table, plus the legacy profile columns."""

    form = AdminUserChangeForm
    add_form = AdminUserCreationForm

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
