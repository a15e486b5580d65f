"""The user admin on the legacy `users` table, as a staff superuser uses it."""

import pytest

from bachata.users.models import User

pytestmark = pytest.mark.django_db

USERS = "/admin/users/user/"


def listed_usernames(response):
    return {user.username for user in response.context["cl"].result_list}


def test_user_list_shows_the_profile_columns_and_filters_instructors(admin_client, make_user):
    make_user(username="lucia", display_name="Lucía Romero", is_instructor=True)
    make_user(username="marco", display_name="Marco")
    response = admin_client.get(USERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lucía Romero" in html
    assert "By is instructor" in html
    assert listed_usernames(admin_client.get(USERS, {"is_instructor__exact": "1"})) == {"lucia"}


def test_user_search_matches_username_email_and_display_name(admin_client, make_user):
    make_user(username="lucia", email="lucia@salsa.example", display_name="Lucía Romero")
    make_user(username="marco", email="marco@example.com", display_name="Marco")
    assert listed_usernames(admin_client.get(USERS, {"q": "romero"})) == {"lucia"}
    assert listed_usernames(admin_client.get(USERS, {"q": "salsa.example"})) == {"lucia"}
    assert listed_usernames(admin_client.get(USERS, {"q": "marc"})) == {"marco"}


def change_form_data(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "display_name": user.display_name,
        "preferences": '{"auto_save_choreographies": true}',
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_staff_can_edit_the_profile_columns(admin_client, make_user):
    user = make_user(username="lucia")
    page = admin_client.get(f"{USERS}{user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("display_name", "is_instructor", "preferences"):
        assert f'name="{field}"' in html
    response = admin_client.post(
        f"{USERS}{user.pk}/change/",
        change_form_data(
            user,
            display_name="Lucía Romero",
            is_instructor="on",
            preferences='{"auto_save_choreographies": false}',
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.display_name, user.is_instructor, user.auto_save_choreographies) == (
        "Lucía Romero",
        True,
        False,
    )
    assert user.check_password("salsa-y-bachata")  # untouched by the profile edit


def test_invalid_preferences_are_refused_with_a_field_error(admin_client, make_user):
    user = make_user(username="lucia")
    response = admin_client.post(f"{USERS}{user.pk}/change/", change_form_data(user, preferences="{not json"))
    assert response.status_code == 200
    assert "preferences" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.preferences == {}


def test_staff_can_add_a_user_with_a_profile(admin_client):
    response = admin_client.post(
        f"{USERS}add/",
        {
            "username": "nuevo",
            "usable_password": "true",
            "password1": "bachata-2024",
            "password2": "bachata-2024",
            "email": "nuevo@example.com",
            "display_name": "Nuevo Bailarín",
            "is_instructor": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="nuevo")
    assert (user.email, user.display_name, user.is_instructor) == (
        "nuevo@example.com",
        "Nuevo Bailarín",
        True,
    )
    assert user.check_password("bachata-2024")
