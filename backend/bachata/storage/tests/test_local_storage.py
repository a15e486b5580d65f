import io
import os

import pytest

from bachata.storage import InvalidKey


def test_files_live_under_the_root_at_their_key(local_storage):
    local_storage.save("choreographies/2025/01/a.mp4", b"video")
    path = local_storage.local_path("choreographies/2025/01/a.mp4")
    assert path == local_storage.root / "choreographies" / "2025" / "01" / "a.mp4"
    assert path.read_bytes() == b"video"
    assert local_storage.url_for("choreographies/2025/01/a.mp4") is None  # the API serves local files itself


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_changed_object(local_storage):
    local_storage.save("songs/a.mp3", b"original")

    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        local_storage.save("songs/a.mp3", Broken())
    assert local_storage.read("songs/a.mp3") == b"original"
    assert os.listdir(local_storage.root / "songs") == ["a.mp3"]


def test_dot_files_are_not_listed(local_storage):
    local_storage.save("songs/a.mp3", b"x")
    (local_storage.root / "songs" / ".partial-123").write_bytes(b"half")
    (local_storage.root / ".cache").mkdir()
    (local_storage.root / ".cache" / "x").write_bytes(b"x")
    assert local_storage.list_keys() == ["songs/a.mp3"]


def test_a_symlink_out_of_the_root_is_refused(local_storage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    local_storage.root.mkdir(parents=True, exist_ok=True)
    (local_storage.root / "songs").symlink_to(outside)
    with pytest.raises(InvalidKey, match="outside the storage root"):
        local_storage.read("songs/secret.txt")
    with pytest.raises(InvalidKey):
        local_storage.save("songs/new.mp3", b"x")
    assert not (outside / "new.mp3").exists()


def test_a_directory_is_not_an_object(local_storage):
    local_storage.save("songs/a.mp3", b"x")
    assert not local_storage.exists("songs")
    local_storage.delete("songs")
    assert local_storage.exists("songs/a.mp3")


def test_files_are_readable_by_another_user_of_a_shared_volume(local_storage):
    local_storage.save("choreographies/2026/12/t.mp4", b"video")
    assert local_storage.local_path("choreographies/2026/12/t.mp4").stat().st_mode & 0o777 == 0o644


def test_an_alias_is_a_relative_link_so_it_works_wherever_the_volume_is_mounted(local_storage, tmp_path):
    import shutil

    local_storage.save("choreographies/2026/12/t.mp4", b"video")
    local_storage.alias("choreographies/2026/12/t.mp4", "output/user_3/t.mp4")
    link = local_storage.local_path("output/user_3/t.mp4")
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    moved = tmp_path / "mounted-elsewhere"
    shutil.copytree(local_storage.root, moved, symlinks=True)  # the legacy container's /app/data
    assert (moved / "output/user_3/t.mp4").read_bytes() == b"video"
    # The video deleted: the alias is gone for the legacy lookup too (a dangling link is not a file).
    local_storage.delete("choreographies/2026/12/t.mp4")
    assert not local_storage.exists("output/user_3/t.mp4")
    assert not os.path.isfile(link)
