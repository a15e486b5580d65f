"""The SPA image's nginx (frontend/nginx.conf) run for real: the template rendered the way the nginx image's
entrypoint renders it (envsubst, only API_ORIGIN and MEDIA_ORIGIN), served by this machine's nginx, in front of
the real API (pytest-django's live server). Skipped where nginx or envsubst is missing (.ci/run installs them).

What a browser would notice: SPA routes load index.html, hashed assets are cached for good and compressed,
index.html is revalidated, the CSP lets videos play from the API and blob: URLs, and /api/, /admin/ and
/static/ are the API's own answers."""

import gzip
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_deployment_files import (
    REPO_ROOT,
    dockerfile,
    dockerignore_rules,
    env_assignments,
    final_stage,
    in_context,
)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
ENVSUBST = shutil.which("envsubst")
needs_nginx = pytest.mark.skipif(
    not (NGINX and ENVSUBST),
    reason="nginx and envsubst are needed (apt-get install nginx-light gettext-base)",
)
MEDIA_ORIGIN = "https://storage.googleapis.com"
ASSET = "assets/index-3f9a1c2b.js"


def render_template(api_origin: str, media_origin: str) -> str:
    """As docker-entrypoint.d/20-envsubst-on-templates.sh does with NGINX_ENVSUBST_FILTER set."""
    environment = {}
    for instruction in final_stage("frontend/Dockerfile"):
        if instruction.keyword == "ENV":
            environment |= env_assignments(instruction)  # unescaped as Docker does (`\$` is `$`)
    filter_env = environment["NGINX_ENVSUBST_FILTER"]
    assert filter_env == "^(API_ORIGIN|MEDIA_ORIGIN)$"
    result = subprocess.run(
        [ENVSUBST, "${API_ORIGIN} ${MEDIA_ORIGIN}"],
        input=(REPO_ROOT / "frontend" / "nginx.conf").read_text(),
        capture_output=True,
        text=True,
        check=True,
        env={"API_ORIGIN": api_origin, "MEDIA_ORIGIN": media_origin},
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """A Vite-shaped build: index.html and a content-hashed script large enough to be compressed."""
    root = tmp_path_factory.mktemp("dist")
    (root / "assets").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><html><head><script type="module" src="/assets/index-3f9a1c2b.js"></script></head>'
        '<body><div id="root"></div></body></html>'
    )
    (root / ASSET).write_text("console.log('bachata');\n" * 200)
    return root


@pytest.fixture
def nginx(live_server, dist, tmp_path):
    """nginx with the rendered template, on a free port, proxying to the live API."""
    port = free_port()
    site = render_template(live_server.url, MEDIA_ORIGIN)
    assert "${" not in site
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    site = site.replace("root /usr/share/nginx/html;", f"root {dist};")
    (tmp_path / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log stderr warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fastcgi;\n  uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f"  scgi_temp_path {tmp_path}/scgi;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_image_serves_the_build_with_the_template_as_a_non_root_user():
    instructions = final_stage("frontend/Dockerfile")
    copies = [i.arguments for i in instructions if i.keyword == "COPY"]
    assert "frontend/nginx.conf /etc/nginx/templates/default.conf.template" in copies
    assert "--from=build /app/frontend/dist /usr/share/nginx/html" in copies
    assert [i.arguments for i in instructions if i.keyword == "USER"] == ["101"]
    assert [i.arguments for i in instructions if i.keyword == "EXPOSE"] == ["8080"]
    build = [i.arguments for i in dockerfile("frontend/Dockerfile") if i.keyword == "RUN" and i.stage == 0]
    assert build[0].startswith("npm ci") and "npm run build" in build[1]


def test_the_build_context_is_the_spas_sources_without_dependencies_or_builds():
    rules = dockerignore_rules("frontend/Dockerfile")
    needed = [
        "frontend/package.json",
        "frontend/package-lock.json",
        "frontend/index.html",
        "frontend/vite.config.js",
        "frontend/src/main.jsx",
        "frontend/src/pages/LoginPage.jsx",
        "frontend/nginx.conf",
    ]
    assert [file for file in needed if not in_context(file, rules)] == []
    never = [
        "frontend/node_modules/react/index.js",
        "frontend/dist/index.html",
        "frontend/src/pages/LoginPage.test.jsx",
        "frontend/.env",
        "backend/manage.py",
        "uv.lock",
        ".git/HEAD",
        "var/media/songs/song.wav",
    ]
    assert [file for file in never if in_context(file, rules)] == []


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_spa_routes_get_index_html_revalidated_with_the_security_headers(nginx):
    status, headers, body = get(f"{nginx}/collections/42")
    assert status == 200 and b'<div id="root">' in body
    assert headers["Cache-Control"] == "no-cache"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert f"media-src 'self' blob: {MEDIA_ORIGIN}" in csp  # the API's videos, signed GCS URLs, blob: players
    assert f"img-src 'self' data: blob: {MEDIA_ORIGIN}" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert get(f"{nginx}/")[2] == body


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_hashed_assets_are_cached_for_a_year_and_compressed(nginx, dist):
    status, headers, body = get(f"{nginx}/{ASSET}", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (dist / ASSET).read_bytes()
    # a missing asset is a 404, never index.html served as JavaScript
    status, _, body = get(f"{nginx}/assets/index-00000000.js")
    assert status == 404 and b'<div id="root">' not in body


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_api_admin_and_static_are_the_apis_own_answers(nginx):
    status, headers, body = get(f"{nginx}/api/health")
    assert status == 200 and b'"status"' in body
    assert len(headers["X-Request-ID"]) == 32  # nginx's request id, accepted and echoed by the API
    assert "Content-Security-Policy" not in headers and headers.get("Cache-Control") != "no-cache"
    status, _, body = get(f"{nginx}/api/no-such-endpoint")
    assert status == 404 and b'"message"' in body  # the API's error shape, not index.html
    status, headers, body = get(f"{nginx}/admin/login/")
    assert status == 200 and b"csrfmiddlewaretoken" in body
    assert headers["X-Frame-Options"] == "DENY"  # Django's, once
    status, headers, body = get(f"{nginx}/static/admin/css/base.css")
    assert status == 200 and b"<div" not in body and headers["Content-Type"].startswith("text/css")
    assert "Content-Security-Policy" not in headers


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_the_health_endpoint_of_nginx_itself(nginx):
    status, _, body = get(f"{nginx}/healthz")
    assert (status, body) == (200, b"ok\n")


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_videos_play_through_the_proxy_with_http_ranges(nginx, settings, tmp_path, user):
    """A <video> seeks with Range requests on the SPA's origin: nginx passes them to the API and its 206s back."""
    from bachata.api.media import media_url
    from bachata.collections.models import SavedChoreography
    from bachata.storage import get_storage

    settings.STORAGE_BACKEND, settings.MEDIA_ROOT = "local", tmp_path / "media"
    key = "choreographies/2026/12/through-nginx.mp4"
    get_storage().save(key, bytes(range(256)) * 40, "video/mp4")
    item = SavedChoreography.objects.create(
        user=user, title="through nginx", video_path=key, difficulty="beginner", duration=1.0
    )
    url = nginx + media_url(f"/api/collections/{item.pk}/video", "collection-video", item.pk, user.pk)
    status, headers, body = get(url, {"Range": "bytes=256-511", "Accept-Encoding": "gzip"})
    assert status == 206
    assert headers["Content-Range"] == "bytes 256-511/10240"
    assert "Content-Encoding" not in headers and body == bytes(range(256))
    status, headers, body = get(url)
    assert (status, headers["Content-Type"], len(body)) == (200, "video/mp4", 10240)
    assert get(nginx + f"/api/collections/{item.pk}/video?token=forged")[0] == 404
