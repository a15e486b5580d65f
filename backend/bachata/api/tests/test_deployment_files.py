"""Keeps the container files honest without a Docker engine: backend/Dockerfile (the API image),
videojob/Dockerfile (the job image) and their <Dockerfile>.dockerignore files (compose.yaml: test_compose_file.py;
the SPA image: test_frontend_image.py; Cloud Run: test_cloudrun_definitions.py).

The Dockerfiles are read instruction by instruction, the build contexts are evaluated with the
.dockerignore rules, compose.yaml is parsed with PyYAML (drf-spectacular's dependency), the images'
dependency closures are computed from uv.lock, and `docker-compose config -q` validates compose.yaml
when docker-compose is installed.
"""

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve

REPO_ROOT = Path(__file__).resolve().parents[4]
API_DOCKERFILE = "backend/Dockerfile"
JOB_DOCKERFILE = "videojob/Dockerfile"
PACKAGE_OF = {API_DOCKERFILE: "bachata-backend", JOB_DOCKERFILE: "bachata-videojob"}
LOCAL_LAUNCHER = "bachata.choreography.local_launcher.LocalJobLauncher"

# Variables the Dockerfiles may set although they are not settings of .env.example: the interpreter's,
# uv's (build stages), Django's settings module, numba's cache, gunicorn's worker count and Cloud Run's PORT.
RUNTIME_VARIABLES = {
    "PATH",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "DJANGO_SETTINGS_MODULE",
    "PYTHONPATH",
    "NUMBA_CACHE_DIR",
    "NUMBA_CPU_NAME",
    "WEB_CONCURRENCY",
    "PORT",
}
# Never in the API image; never in any image: the pose extra (torch from a local wheel folder).
HEAVY_PACKAGES = {"librosa", "numba", "llvmlite", "torch", "torchvision", "ultralytics"}


# ---------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # 0 for the first FROM, +1 per FROM


def dockerfile(path: str) -> list[Instruction]:
    """Instructions in order: comment lines dropped, continuation lines joined."""
    instructions, stage, pending = [], -1, ""
    for line in (REPO_ROOT / path).read_text().splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical, pending = (pending + line).strip(), ""
        keyword, _, arguments = logical.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    return instructions


def final_stage(path: str) -> list[Instruction]:
    instructions = dockerfile(path)
    last = instructions[-1].stage
    return [instruction for instruction in instructions if instruction.stage == last]


def env_assignments(instruction: Instruction) -> dict[str, str]:
    return dict(token.split("=", 1) for token in shlex.split(instruction.arguments))


def copy_sources(path: str) -> list[str]:
    """Sources of COPY instructions that read the build context (not --from another stage)."""
    sources = []
    for instruction in dockerfile(path):
        if instruction.keyword != "COPY":
            continue
        tokens = shlex.split(instruction.arguments)
        if any(token.startswith("--from") for token in tokens):
            continue
        sources += [token for token in tokens[:-1] if not token.startswith("--")]
    return sources


def documented_settings() -> set[str]:
    text = (REPO_ROOT / "backend" / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def lock_closure(package: str) -> set[str]:
    """Every package `uv sync --package <package>` (no extras, no dev group) can install, from uv.lock."""
    entries: dict[str, list[dict]] = {}
    for entry in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]:
        entries.setdefault(entry["name"], []).append(entry)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    todo = [(package, ())]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for entry in entries.get(name, []):
            dependencies = list(entry.get("dependencies", []))
            for extra in extras:
                dependencies += entry.get("optional-dependencies", {}).get(extra, [])
            todo += [(dep["name"], tuple(sorted(dep.get("extra", [])))) for dep in dependencies]
    return {name for name, _ in seen}


def _pattern(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regular expression over context-relative paths: `**` spans directories,
    `*`, `?` and `[...]` stay within one path element."""
    pattern, out, i = pattern.strip("/"), "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_rules(path: str) -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in (REPO_ROOT / f"{path}.dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), _pattern(line.removeprefix("!"))))
    return rules


def in_context(relative_path: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories decides."""
    parts = relative_path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for negated, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            included = negated
    return included


def source_files(folder: str) -> list[str]:
    """Files of the repository under `folder` that an image needs (no tests, caches, local state)."""
    skipped_dirs = {"tests", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "var"}
    found = []
    for directory, dirs, files in os.walk(REPO_ROOT / folder):
        dirs[:] = [name for name in dirs if name not in skipped_dirs]
        for name in files:
            if name.endswith((".pyc", ".pyo")) or name == "conftest.py" or name.startswith("Dockerfile"):
                continue
            found.append((Path(directory) / name).relative_to(REPO_ROOT).as_posix())
    return found


# ---------------------------------------------------------------------------------------------- Dockerfiles


def test_each_dockerfile_has_its_own_ignore_file_and_there_is_no_top_level_one():
    assert not (REPO_ROOT / ".dockerignore").exists()
    for path in PACKAGE_OF:
        assert (REPO_ROOT / f"{path}.dockerignore").is_file()


@pytest.mark.parametrize("path", PACKAGE_OF)
def test_images_install_from_the_lock_only_their_own_package(path):
    bases = [
        i.arguments for i in dockerfile(path) if i.keyword == "ARG" and i.arguments.startswith("PYTHON_")
    ]
    assert bases == ["PYTHON_IMAGE=python:3.11-slim"]
    tool = "uv export" if path == API_DOCKERFILE else "uv sync"
    syncs = [i.arguments for i in dockerfile(path) if i.keyword == "RUN" and tool in i.arguments]
    assert syncs, f"{path} does not run {tool}"
    for command in syncs:
        assert "--frozen" in command and "--no-dev" in command, command
        assert f"--package {PACKAGE_OF[path]}" in command, command
        assert not re.search(r"--(all-)?extras?\b|--all-packages|--all-groups|--group\b", command), command


def _api_export_command() -> list[str]:
    (command,) = [
        i.arguments for i in dockerfile(API_DOCKERFILE) if i.keyword == "RUN" and "uv export" in i.arguments
    ]
    tokens = shlex.split(command)
    return tokens[: tokens.index("-o")]  # to stdout


def test_the_api_image_installs_the_exported_lock_with_uv_pip_into_the_system_python():
    """What the build installs is what `uv export` of the lock says: every package pinned with its hashes."""
    runs = [i.arguments for i in final_stage(API_DOCKERFILE) if i.keyword == "RUN"]
    (install,) = [run for run in runs if "uv pip install" in run]
    assert "uv pip install --system --no-cache --require-hashes" in install
    assert "-r /tmp/requirements.txt" in install
    assert not [run for run in runs if "uv sync" in run or "pip install" in run.replace("uv pip install", "")]
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    exported = subprocess.run(
        [uv, *_api_export_command()[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=True,
    ).stdout
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", exported, flags=re.MULTILINE | re.IGNORECASE))
    assert "-e " not in exported and "bachata" not in " ".join(pins)  # the code is copied, not installed
    locked = {
        entry["name"]: entry["version"]
        for entry in tomllib.loads((REPO_ROOT / "uv.lock").read_text())["package"]
        if "version" in entry
    }
    normalised = {name.lower().replace("_", "-").replace(".", "-"): pin for name, pin in pins.items()}
    assert set(normalised) == lock_closure("bachata-backend") - {"bachata-backend"}
    assert all(locked[name] == pin for name, pin in normalised.items())
    assert exported.count("--hash=sha256:") >= len(pins)
    assert not set(normalised) & HEAVY_PACKAGES


def test_the_api_image_never_installs_the_video_job():
    text = (REPO_ROOT / API_DOCKERFILE).read_text()
    assert "bachata-videojob" not in text
    # videojob/pyproject.toml keeps the workspace complete for uv; no code of the job is copied
    assert [s for s in copy_sources(API_DOCKERFILE) if s.startswith("videojob")] == [
        "videojob/pyproject.toml"
    ]
    closure = lock_closure("bachata-backend")
    assert "django" in closure and "gunicorn" in closure
    assert not closure & (HEAVY_PACKAGES | {"bachata-videojob"})


def test_the_job_image_has_the_backend_but_no_torch():
    closure = lock_closure("bachata-videojob")
    assert {"bachata-backend", "librosa", "numba", "av", "gunicorn"} <= closure
    assert not closure & {"torch", "torchvision", "ultralytics"}


@pytest.mark.parametrize("path", PACKAGE_OF)
def test_images_run_as_a_non_root_user(path):
    users = [i.arguments for i in final_stage(path) if i.keyword == "USER"]
    assert users and users[-1] not in {"root", "0", "0:0"}


@pytest.mark.parametrize("path", PACKAGE_OF)
def test_image_environment_is_documented(path):
    names = set()
    for instruction in dockerfile(path):
        if instruction.keyword == "ENV":
            names |= set(env_assignments(instruction))
    unknown = {
        name for name in names - documented_settings() - RUNTIME_VARIABLES if not name.startswith("UV_")
    }
    assert not unknown, f"{path} sets variables that .env.example does not document: {sorted(unknown)}"


@pytest.mark.parametrize("path", PACKAGE_OF)
def test_build_contexts_hold_what_the_images_copy_and_little_else(path):
    rules = dockerignore_rules(path)
    for source in copy_sources(path):
        assert (REPO_ROOT / source).exists(), f"{path} copies {source}, which does not exist"
        files = source_files(source) if (REPO_ROOT / source).is_dir() else [source]
        missing = [file for file in files if not in_context(file, rules)]
        assert not missing, f"{path}.dockerignore leaves out files the image copies: {missing[:5]}"
    never = [
        ".git/HEAD",
        ".env",
        ".venv/lib/python3.11/site-packages/django/__init__.py",
        "var/media/songs/song.wav",
        "frontend/package.json",
        "migrations_legacy/schema.sql",
        "bench/job_bench.py",
        "README.md",
        "compose.yaml",
        "backend/bachata/conftest.py",
        "backend/bachata/api/tests/test_media.py",
        "backend/bachata/api/__pycache__/views.cpython-311.pyc",
        "videojob/tests/test_job.py",
    ]
    if path == API_DOCKERFILE:
        never.append("videojob/videojob/__main__.py")
    assert [file for file in never if in_context(file, rules)] == []


def test_the_api_image_serves_the_wsgi_application_on_port_with_a_healthcheck():
    module, _, attribute = settings.WSGI_APPLICATION.rpartition(".")
    instructions = final_stage(API_DOCKERFILE)
    (command,) = [i.arguments for i in instructions if i.keyword == "CMD"]
    assert f"exec gunicorn {module}:{attribute} " in command
    assert '--bind \\"0.0.0.0:${PORT}\\"' in command
    (healthcheck,) = [i.arguments for i in instructions if i.keyword == "HEALTHCHECK"]
    assert "/api/health" in healthcheck
    assert resolve("/api/health").url_name == "health"
    assert any(i.keyword == "RUN" and "manage.py collectstatic" in i.arguments for i in instructions)
    workdirs = [i.arguments for i in instructions if i.keyword == "WORKDIR"]
    assert workdirs == ["/app"]
    assert (REPO_ROOT / "backend" / "manage.py").is_file()  # /app/backend/manage.py in the image


def test_the_job_image_warms_numba_and_the_demo_library_at_build_time():
    from videojob.pipeline import DEMO_LIBRARY_FOLDER

    instructions = final_stage(JOB_DOCKERFILE)
    environment, user, warmed = {}, None, False
    for instruction in instructions:
        if instruction.keyword == "ENV":
            environment |= env_assignments(instruction)
        elif instruction.keyword == "USER":
            user = instruction.arguments
        elif instruction.keyword == "RUN" and "videojob render" in instruction.arguments:
            # as the user the job runs as (the caches stay writable), after the caches' locations are set
            assert user not in {None, "root", "0"}
            assert environment["NUMBA_CACHE_DIR"].startswith("/app/")
            assert environment["VIDEOJOB_CACHE_DIR"].startswith("/app/")
            assert environment["NUMBA_CPU_NAME"] == "generic"  # the cache is keyed by CPU otherwise
            # the job looks for the generated demo library in this folder of its cache
            assert f'--library-out "$VIDEOJOB_CACHE_DIR/{DEMO_LIBRARY_FOLDER}"' in instruction.arguments
            # the analysis compiles nothing with numba any more (videojob.beats/spectral): no numba check
            assert "NUMBA_CACHE_DIR" not in instruction.arguments
            warmed = True
    assert warmed
    assert instructions[-1].keyword == "ENTRYPOINT"
    assert instructions[-1].arguments == '["python", "-m", "videojob"]'
