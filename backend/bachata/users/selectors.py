from .models import User


def user_for_login(identifier: str) -> User | None:
    """The one active account a login identifier means: the username, else the email's account.

    Legacy data holds several accounts on one email (new ones cannot: services.user_email_check). Such an email
    logs in the *oldest* active account on it (the original owner: date_joined, then id), and the others
    log in by username. It is stable (a later account, an attacker's included, can never take the email's
    login over by logging in), costs one password check, and no other account's lockout counter is touched.
    """
    identifier = identifier.strip()
    by_username = User.objects.filter(username=identifier, is_active=True).first()
    if by_username is not None or "@" not in identifier:
        return by_username
    return User.objects.filter(email__iexact=identifier, is_active=True).order_by("date_joined", "id").first()


def email_in_use(email: str, *, exclude_user_id: int | None = None) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exclude(pk=exclude_user_id).exists()
