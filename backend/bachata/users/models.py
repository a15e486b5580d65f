from django.contrib.auth.models import AbstractUser
from django.db import models


def default_preferences() -> dict:
    return {"auto_save_choreographies": True}


class User(AbstractUser):
    """The legacy `users` table: Django's AbstractUser plus the legacy profile columns.

    Email is deliberately not unique: the legacy table allows several accounts per address.
    """

    display_name = models.CharField(max_length=200, blank=True, default="")
    is_instructor = models.BooleanField(default=False)
    preferences = models.JSONField(default=dict, blank=True)

    class Meta(AbstractUser.Meta):
        db_table = "users"
        swappable = "AUTH_USER_MODEL"

    @property
    def auto_save_choreographies(self) -> bool:
        return bool((self.preferences or {}).get("auto_save_choreographies", True))
