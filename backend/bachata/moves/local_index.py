"""The move index on this machine: documents in a JSON file, searched in numpy (the default)."""

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .documents import VECTOR_DIMS, InvalidMoveDocument, load_documents, validate_documents
from .evaluator import execute_search_body
from .interface import MoveIndex, MoveIndexUnavailable


def _with_arrays(document: dict[str, Any]) -> dict[str, Any]:
    return {
        key: np.asarray(value, dtype=np.float64) if key in VECTOR_DIMS and value is not None else value
        for key, value in document.items()
    }


class LocalMoveIndex(MoveIndex):
    """Documents held in memory; `index_documents` also rewrites `path` (atomically) when one is given."""

    def __init__(
        self, documents: Iterable[dict[str, Any]] = (), *, path: str | Path | None = None, _validated=False
    ):
        self.path = Path(path) if path is not None else None
        self._documents: dict[str, dict[str, Any]] = {}
        for document in documents if _validated else validate_documents(documents):
            self._documents[document["clip_id"]] = _with_arrays(document)

    @classmethod
    def from_file(cls, path: str | Path) -> "LocalMoveIndex":
        """Load a list of documents (or a legacy index export); MoveIndexUnavailable if it is missing or bad."""
        try:
            return cls(load_documents(path), path=path, _validated=True)  # load_documents validated them
        except (OSError, ValueError, InvalidMoveDocument) as exc:
            raise MoveIndexUnavailable(f"cannot load the move index from {path}: {exc}") from exc

    def __len__(self) -> int:
        return len(self._documents)

    def clip_ids(self) -> set[str]:
        return set(self._documents)

    def run_search_body(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return execute_search_body(body, list(self._documents.values()))

    def index_documents(self, documents: Iterable[dict[str, Any]]) -> int:
        documents = validate_documents(documents)
        for document in documents:
            self._documents[document["clip_id"]] = _with_arrays(document)
        if self.path is not None:
            self._write(self.path)
        return len(documents)

    def _write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = [
            {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in doc.items()}
            for doc in self._documents.values()
        ]
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".moves-", delete=False) as tmp:
            json.dump(stored, tmp)
        os.replace(tmp.name, path)
