from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from bachata.api.errors import ApiError


class LockoutBackend(ModelBackend):
    """Every `authenticate()` (the Django admin's login included) goes through the API's login rules:
    one account per identifier, one password check, the same atomic lockout (services.user_login)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from .services import user_login

        if username is None or password is None:
            return None
        try:
            user = user_login(identifier=username, password=password)
        except ApiError as exc:
            if exc.status_code == 429:
                raise PermissionDenied(str(exc.detail)) from exc  # stops authenticate() here
            return None
        return user if self.user_can_authenticate(user) else None
