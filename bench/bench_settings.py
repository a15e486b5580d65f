"""Settings for the API benchmark: the real settings plus a bare DRF endpoint to compare against."""

from bachata.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
