"""Account writes: registration, login, profile, password."""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from bachata.api.errors import ApiError

from . import lockout
from .models import User
from .selectors import users_matching_login

INVALID_CREDENTIALS = "Invalid username/email or password."
# Checked when no account matches, so an unknown name costs as much time as a wrong password.
_DUMMY_HASH = make_password("not-a-real-password")


def user_tokens(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


@transaction.atomic
def user_register(*, username: str, email: str, password: str, display_name: str = "") -> User:
    if User.objects.filter(username=username).exists():
        raise ApiError(
            "That username is taken.", code="username_taken", fields={"username": ["That username is taken."]}
        )
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        preferences={"auto_save_choreographies": True},
    )
    try:
        password_validation.validate_password(password, user)
    except Exception as exc:  # django.core.exceptions.ValidationError
        messages = list(getattr(exc, "messages", [str(exc)]))
        raise ApiError(messages[0], code="weak_password", fields={"password": messages}) from exc
    user.set_password(password)
    user.save()
    return user


def user_login(*, identifier: str, password: str) -> User:
    """Authenticate by username or email; refuse ambiguous emails instead of guessing an account."""
    candidates = users_matching_login(identifier)
    subjects = [lockout.subject_for_user(u.pk) for u in candidates] or [
        lockout.subject_for_identifier(identifier)
    ]
    lock = lockout.lock_of(subjects)
    if lock:
        minutes = max(1, round(lock.seconds_left / 60))
        raise ApiError(
            f"Too many failed logins. This account is locked; try again in {minutes} minute(s).",
            code="account_locked",
            status_code=429,
        )
    if not candidates:
        User(password=_DUMMY_HASH).check_password(password)
        lockout.login_failed(subjects)
        raise ApiError(INVALID_CREDENTIALS, code="invalid_credentials", status_code=401)
    matching = [u for u in candidates if u.check_password(password)]
    if len(matching) > 1:
        raise ApiError(
            "Several accounts use this email address. Please log in with your username.",
            code="ambiguous_email",
        )
    if not matching:
        lockout.login_failed(subjects)
        raise ApiError(INVALID_CREDENTIALS, code="invalid_credentials", status_code=401)
    lockout.login_succeeded(subjects)
    return matching[0]


def user_logout(*, refresh: str) -> None:
    from rest_framework_simplejwt.exceptions import TokenError

    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise ApiError(
            "That session has already ended or the token is not valid.", code="invalid_token"
        ) from exc


def user_update_profile(*, user: User, data: dict) -> User:
    if "display_name" in data:
        user.display_name = data["display_name"]
    if "email" in data:
        user.email = data["email"]
    preferences = data.get("preferences") or {}
    if "auto_save_choreographies" in preferences:
        user.preferences = {
            **(user.preferences or {}),
            "auto_save_choreographies": preferences["auto_save_choreographies"],
        }
    user.save(update_fields=["display_name", "email", "preferences"])
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> dict[str, str]:
    """Change the password, end every other session, and return fresh tokens for this one."""
    if not user.check_password(current_password):
        raise ApiError(
            "The current password is not correct.",
            code="wrong_password",
            fields={"current_password": ["The current password is not correct."]},
        )
    try:
        password_validation.validate_password(new_password, user)
    except Exception as exc:
        messages = list(getattr(exc, "messages", [str(exc)]))
        raise ApiError(messages[0], code="weak_password", fields={"new_password": messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    for token in OutstandingToken.objects.filter(user=user):
        BlacklistedToken.objects.get_or_create(token=token)
    return user_tokens(user)
