"""Django settings of the video job (`python -m videojob`): the API's settings, minus the API.

The job reads and writes through the ORM and the ledger only: tasks and their events, the user's
preferences, the collection item it auto-saves, the library song it measures, and media in storage. It
needs no admin, sessions, messages, static files, templates, DRF, JWT, CORS, OpenAPI schema or middleware;
loading them cost a fresh job process ~1 s of its start-up (docs/benchmarks.md, "Video job"). Every
setting the job does read (database, storage, move index, library, ledger timeouts, launcher) comes from
the same environment variables as the API's, through `bachata.settings`.

Installed here: auth + contenttypes (the user model is an AbstractUser), users, choreography (tasks, the
ledger), collections (auto-save), songs (the library song's measured BPM and duration). Not installed:
instructors (class plans) and the API's own tables. The job never deletes rows, so the relations of the
apps left out (a class plan's sequences point at collection items) are never needed; a delete under these
settings would be refused by the database's foreign keys, not silently half-done.

`python -m videojob` (job mode) selects this module itself (VIDEOJOB_SETTINGS_MODULE overrides it), so the
local launcher and the job image need no setting for it.
"""

from bachata.settings import *  # noqa: F403

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "bachata.users",
    "bachata.choreography",
    "bachata.collections",
    "bachata.songs",
]
MIDDLEWARE: list[str] = []
TEMPLATES: list[dict] = []
