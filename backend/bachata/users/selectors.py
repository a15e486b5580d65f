from .models import User


def users_matching_login(identifier: str) -> list[User]:
    """Active accounts a login identifier may mean: the username, else every account with that email.

    Legacy users log in by email, and email is not unique in the legacy table.
    """
    identifier = identifier.strip()
    by_username = list(User.objects.filter(username=identifier, is_active=True))
    if by_username:
        return by_username
    if "@" not in identifier:
        return []
    return list(User.objects.filter(email__iexact=identifier, is_active=True).order_by("id"))
