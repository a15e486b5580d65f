"""Account writes: registration, login, profile, password."""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from bachata.api.errors import ApiError

from . import lockout
from .models import User
from .selectors import email_in_use, user_for_login

INVALID_CREDENTIALS = "Invalid username/email or password."
EMAIL_TAKEN = "That email address is already used by another account."
_EMAIL_LOCK_NAMESPACE = 0x656D6169  # pg_advisory_xact_lock(namespace, hashtext(lower(email)))
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
    user_email_check(email)
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
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration took the username first
        raise ApiError(
            "That username is taken.", code="username_taken", fields={"username": ["That username is taken."]}
        ) from exc
    return user


def user_email_check(email: str, *, user: User | None = None) -> None:
    """Refuse an email address another account uses (case-insensitive), for a new account or a change.

    Call it inside the transaction that saves the address: a transaction-level advisory lock on the address
    serialises concurrent claims of it until commit, so two parallel registrations cannot both pass. (A unique
    index on lower(email) cannot exist while the legacy table holds duplicates.) An account keeping its own
    address, a legacy duplicate included, is never refused.
    """
    email = (email or "").strip()
    if not email:
        return
    if user is not None and (user.email or "").strip().lower() == email.lower():
        return
    if not connection.in_atomic_block:
        raise RuntimeError("user_email_check must run inside the transaction that saves the email")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(lower(%s)))", [_EMAIL_LOCK_NAMESPACE, email]
        )
    if email_in_use(email, exclude_user_id=user.pk if user is not None else None):
        raise ApiError(EMAIL_TAKEN, code="email_taken", fields={"email": [EMAIL_TAKEN]})


def _locked(lock: lockout.Lock) -> ApiError:
    minutes = max(1, round(lock.seconds_left / 60))
    return ApiError(
        f"Too many failed logins. This account is locked; try again in {minutes} minute(s).",
        code="account_locked",
        status_code=429,
    )


def user_login(*, identifier: str, password: str) -> User:
    """Authenticate by username or email: one account, one password check, one lockout counter.

    An email several legacy accounts share means its oldest account (selectors.user_for_login); the answer
    never says which account a password would have matched.
    """
    user = user_for_login(identifier)
    subject = (
        lockout.subject_for_user(user.pk) if user is not None else lockout.subject_for_identifier(identifier)
    )
    attempt = lockout.attempt_begin(subject)
    if isinstance(attempt, lockout.Lock):
        raise _locked(attempt)
    if user is None:
        User(password=_DUMMY_HASH).check_password(
            password
        )  # an unknown name costs what a wrong password does
    if user is None or not user.check_password(password):
        lockout.attempt_failed(attempt)
        raise ApiError(INVALID_CREDENTIALS, code="invalid_credentials", status_code=401)
    lockout.attempt_succeeded(attempt)
    return user


def user_logout(*, refresh: str, user: User) -> None:
    """End the session of this refresh token, which must be the logged-in user's own: one account cannot
    end another's session with a token it got hold of (it reads as any invalid token)."""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.settings import api_settings

    invalid = ApiError("That session has already ended or the token is not valid.", code="invalid_token")
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise invalid from exc
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        raise invalid
    try:
        token.blacklist()
    except TokenError as exc:
        raise invalid from exc


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    if "display_name" in data:
        user.display_name = data["display_name"]
    if "email" in data:
        user_email_check(data["email"], user=user)
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
