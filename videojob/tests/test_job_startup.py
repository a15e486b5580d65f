"""A fresh job process reaches `attempt_started` without paying for the API or the work's libraries."""

import json
import os
import subprocess
import sys

# Loaded only once the attempt is recorded (the work), or never (the API's own stack).
NOT_BEFORE_ATTEMPT_STARTED = (
    "numpy",
    "scipy",
    "av",
    "librosa",
    "numba",
    "videojob.analysis",
    "videojob.render",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "django.contrib.admin",
    "django.contrib.sessions",
    "google.cloud",
    "elasticsearch",
    "yt_dlp",
)

# `python -m videojob` exactly (runpy is what -m runs), then what the process holds when job mode returns:
# a task id that is not one stops the job at its configuration check, right before the first ledger call.
ENTRY_POINT = """
import json, runpy, sys
sys.argv = ["videojob"]
try:
    runpy.run_module("videojob", run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
from django.conf import settings
import os
print(json.dumps({"code": code, "settings": settings.SETTINGS_MODULE, "apps": settings.INSTALLED_APPS,
                  "middleware": settings.MIDDLEWARE, "modules": sorted(sys.modules),
                  "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}))
"""


def test_job_mode_runs_on_the_job_settings_and_imports_only_what_the_start_needs():
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("TASK_ID", "VIDEOJOB_SETTINGS_MODULE")},
        "DJANGO_SETTINGS_MODULE": "bachata.settings",  # what the API's environment hands the local launcher
        "TASK_ID": "not-a-task",
    }
    ran = subprocess.run(
        [sys.executable, "-c", ENTRY_POINT], env=environment, capture_output=True, text=True, timeout=120
    )
    assert "TASK_ID must be the task's 36-character id" in ran.stderr, ran.stderr
    state = json.loads(ran.stdout.strip().splitlines()[-1])
    assert state["code"] == 0
    assert state["settings"] == "bachata.settings_job" and state["middleware"] == []
    assert "rest_framework" not in state["apps"] and "django.contrib.admin" not in state["apps"]
    assert "videojob.job" in state["modules"]
    early = [
        name
        for name in state["modules"]
        if any(name == p or name.startswith(p + ".") for p in NOT_BEFORE_ATTEMPT_STARTED)
    ]
    assert early == []


def test_another_settings_module_can_be_chosen_for_the_job():
    environment = {**os.environ, "TASK_ID": "not-a-task", "VIDEOJOB_SETTINGS_MODULE": "bachata.settings"}
    ran = subprocess.run(
        [sys.executable, "-c", ENTRY_POINT], env=environment, capture_output=True, text=True, timeout=120
    )
    assert json.loads(ran.stdout.strip().splitlines()[-1])["settings"] == "bachata.settings"


def test_numpys_blas_runs_on_one_thread_unless_the_environment_says_otherwise():
    base = {k: v for k, v in os.environ.items() if k not in ("TASK_ID", "OPENBLAS_NUM_THREADS")}
    for given, expected in ((None, "1"), ("2", "2")):
        environment = {**base, "TASK_ID": "not-a-task"}
        if given is not None:
            environment["OPENBLAS_NUM_THREADS"] = given
        ran = subprocess.run(
            [sys.executable, "-c", ENTRY_POINT], env=environment, capture_output=True, text=True, timeout=120
        )
        assert json.loads(ran.stdout.strip().splitlines()[-1])["blas_threads"] == expected
