"""The legacy database: its schema as SQL, and a builder that creates and seeds a faithful copy.

uv run python -m migrations_legacy build --database-url postgres://…/legacy_copy --create --seed 42
"""

from .builder import (
    build_legacy_database,
    describe_schema,
    legacy_columns,
    snapshot_legacy_rows,
    throwaway_database,
)
from .seed import SeedManifest, pbkdf2_hash

__all__ = [
    "SeedManifest",
    "build_legacy_database",
    "describe_schema",
    "legacy_columns",
    "pbkdf2_hash",
    "snapshot_legacy_rows",
    "throwaway_database",
]
