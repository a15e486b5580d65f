"""The built web app at / (one address with the API): files, client-route fallback, API paths untouched."""

import pytest


@pytest.fixture
def dist(tmp_path, settings):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><div id="root"></div><script src="/assets/app-Ab12.js">'
    )
    (tmp_path / "assets" / "app-Ab12.js").write_text("console.log('app')")
    settings.SPA_DIST_DIR = tmp_path
    return tmp_path


def test_client_routes_fall_back_to_index_html_uncached(client, dist):
    for path in ("/", "/collections", "/tasks/abc", "/collections/6f1c/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b'<div id="root">' in response.content
        assert response["Cache-Control"] == "no-cache"
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_api_and_admin_paths_are_not_swallowed(client, dist):
    missing = client.get("/api/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert client.get("/api/health").status_code == 200
    assert client.get("/admin/").status_code == 302  # to the admin's login


def test_without_a_build_the_page_says_how_to_build_it(client, settings, tmp_path):
    settings.SPA_DIST_DIR = tmp_path / "missing"
    response = client.get("/generate")
    assert response.status_code == 503
    assert b"npm run build" in response.content


def test_a_post_to_a_client_route_is_refused(client, dist):
    assert client.post("/collections").status_code == 405


def test_missing_files_are_not_answered_with_the_app(client, dist):
    assert client.get("/favicon.ico").status_code == 404
    assert client.get("/assets/old-Zz99.js").status_code == 404
