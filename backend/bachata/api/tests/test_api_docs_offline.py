"""/api/docs works behind any firewall: Swagger UI's scripts, styles and icon come from the API itself
(drf-spectacular-sidecar), never from a CDN."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_docs_page_references_no_other_origin_and_its_assets_are_served(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new client reads the collected files (WhiteNoise)

    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"(?:src|href)\s*=\s*[\"'](?:https?:)?//", page), (
        "the page loads from another origin"
    )
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    assets = set(re.findall(r"[\"'](/static/[^\"']+)[\"']", page))
    assert {asset for asset in assets if asset.endswith(".js")}, "no Swagger UI script referenced"
    assert {asset for asset in assets if asset.endswith(".css")}, "no Swagger UI stylesheet referenced"
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset
