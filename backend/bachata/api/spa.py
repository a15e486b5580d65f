"""The web app served with the API at one address (`make run`, the API image when the SPA is built in).

WhiteNoise serves the built files of `frontend/dist` (WHITENOISE_ROOT; hashed `assets/` cached for a
year); every other path outside /api/, /admin/ and /static/ is a client-side route and gets index.html,
never cached, so a new build is picked up on the next load.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bachata Buddy</title></head>
<body><main><h1>The web app is not built yet</h1><p>Run <code>make run</code>, or
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload this page.
The API is at <a href="/api/docs">/api/docs</a>.</p></main></body></html>"""


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_safe
def spa_index(request, *args, **kwargs):
    if "." in request.path.rsplit("/", 1)[-1]:
        raise Http404("No such file")  # a missing file (favicon.ico, an old asset) is not a client route
    index = settings.SPA_DIST_DIR / "index.html"
    try:
        html = index.read_bytes()
    except OSError:
        return _no_store(HttpResponse(NOT_BUILT, status=503, content_type="text/html; charset=utf-8"))
    return _no_store(HttpResponse(html, content_type="text/html; charset=utf-8"))
