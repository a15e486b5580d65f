from django.urls import re_path


def api_path(route: str, view, name: str):
    """A URL that answers with and without a trailing slash (no redirect, so POSTs keep their body).

    `route` uses Django's converter syntax for the parameters it needs: <uuid:id>, <str:task_id>.
    """
    pattern = _close_groups(route.strip("/"))
    return re_path(rf"^{pattern}/?$", view, name=name)


_CONVERTERS = {
    "uuid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "str": r"[^/]+",
    "int": r"[0-9]+",
}


def _close_groups(route: str) -> str:
    out, i = [], 0
    while i < len(route):
        if route[i] == "<":
            end = route.index(">", i)
            converter, name = route[i + 1 : end].split(":")
            out.append(f"(?P<{name}>{_CONVERTERS[converter]})")
            i = end + 1
        else:
            out.append(route[i])
            i += 1
    return "".join(out)
