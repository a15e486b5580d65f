"""The legacy database: its schema as SQL, and a builder that creates and seeds a faithful copy.

uv run python -m migrations_legacy build --database-url postgres://…/legacy_copy --create --seed 42
"""

from .builder import build_legacy_database, describe_schema, snapshot_legacy_rows
from .seed import SeedManifest

__all__ = ["SeedManifest", "build_legacy_database", "describe_schema", "snapshot_legacy_rows"]
