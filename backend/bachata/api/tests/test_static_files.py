"""The admin's static files are served by the API process itself (gunicorn has no static file handler)."""

from django.core.management import call_command
from django.test import Client


def test_collected_admin_static_files_are_served_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)

    response = Client().get("/static/admin/css/base.css")  # a new client reads the collected files
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content).startswith(
        (tmp_path / "static/admin/css/base.css").read_bytes()[:64]
    )
    assert Client().get("/static/admin/css/absent.css").status_code == 404
