"""Storage in a directory on this machine (settings.MEDIA_ROOT): the default."""

import os
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from .interface import Content, ObjectNotFound, check_range, rewind
from .keys import InvalidKey, validate_key, validate_prefix

PARTIAL_PREFIX = ".partial-"  # unfinished writes; keys can never start a segment with a dot
FILE_MODE = 0o644


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        if not path.resolve().is_relative_to(self.root):  # a symlink inside the root pointing out of it
            raise InvalidKey(f"storage key {key!r} leads outside the storage root")
        return path

    def _file(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path

    def save(self, key: str, content: Content, content_type: str | None = None) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=PARTIAL_PREFIX, delete=False) as tmp:
            try:
                if isinstance(content, bytes | bytearray | memoryview):
                    tmp.write(content)
                else:
                    rewind(content)
                    shutil.copyfileobj(content, tmp)
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        # Readable by the group and others, as the legacy app (another user on a shared volume) expects;
        # NamedTemporaryFile creates 0600.
        os.chmod(tmp.name, FILE_MODE)
        os.replace(tmp.name, path)  # readers see the old file or the new one, never half of one
        return key

    def alias(self, key: str, alias_key: str) -> str:
        target = self._file(key)
        path = self._path(alias_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Relative, so that the link works wherever the volume is mounted (the legacy container's media root
        # need not be ours).
        link = path.parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex}"
        link.symlink_to(os.path.relpath(target, path.parent))
        os.replace(link, path)
        return alias_key

    def open(self, key: str) -> BinaryIO:
        return self._file(key).open("rb")

    def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        check_range(start, end)
        with self.open(key) as stream:
            stream.seek(start)
            return stream.read() if end is None else stream.read(end - start)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_file() or path.is_symlink():  # an alias whose video is gone is removed too
            path.unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self._file(key).stat().st_size

    def list_keys(self, prefix: str = "") -> list[str]:
        top = self.root / validate_prefix(prefix).rpartition("/")[0]
        keys = []
        for directory, subdirectories, files in os.walk(top):
            subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
            relative = Path(directory).relative_to(self.root).as_posix()
            for name in files:
                key = name if relative == "." else f"{relative}/{name}"
                if not name.startswith(".") and key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def url_for(self, key: str, expires: timedelta | None = None) -> str | None:
        self._path(key)
        return None  # no public media URLs: the API streams the file after checking who asks

    def local_path(self, key: str) -> Path | None:
        return self._path(key)
