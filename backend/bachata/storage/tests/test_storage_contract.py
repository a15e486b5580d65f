"""Behaviour every Storage shares, run against LocalStorage and GCSStorage (on the GCS emulator)."""

import io

import pytest

from bachata.storage import InvalidKey, ObjectNotFound

VIDEO = bytes(range(256)) * 40  # 10,240 bytes


def test_saved_bytes_and_files_read_back(store):
    assert store.save("songs/besame.mp3", b"ID3 song", "audio/mpeg") == "songs/besame.mp3"
    stream = io.BytesIO(VIDEO)
    stream.read(5)  # a seekable file is saved whole, wherever it was left
    store.save("choreographies/2025/01/a.mp4", stream, "video/mp4")
    assert store.read("songs/besame.mp3") == b"ID3 song"
    assert store.read("choreographies/2025/01/a.mp4") == VIDEO
    assert store.size("choreographies/2025/01/a.mp4") == len(VIDEO)
    assert store.exists("songs/besame.mp3")
    assert not store.exists("songs/other.mp3")


def test_saving_again_replaces_the_object(store):
    store.save("uploads/user_1/x.mp3", b"first version")
    store.save("uploads/user_1/x.mp3", b"second")
    assert store.read("uploads/user_1/x.mp3") == b"second"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 1), (100, 612), (10_000, None), (10_239, 10_240), (5, 5), (10_000, 20_000), (20_000, None)],
)
def test_byte_ranges_are_python_slices(store, start, end):
    store.save("choreographies/2025/02/v.mp4", VIDEO)
    assert store.read("choreographies/2025/02/v.mp4", start, end) == VIDEO[start:end]


def test_bad_ranges_are_refused(store):
    store.save("songs/a.mp3", b"abc")
    for start, end in [(-1, None), (3, 2)]:
        with pytest.raises(ValueError, match="byte range"):
            store.read("songs/a.mp3", start, end)


def test_open_gives_a_seekable_stream(store):
    store.save("choreographies/2025/03/v.mp4", VIDEO)
    with store.open("choreographies/2025/03/v.mp4") as stream:
        stream.seek(4000)
        assert stream.read(10) == VIDEO[4000:4010]
        stream.seek(-6, io.SEEK_END)
        assert stream.read() == VIDEO[-6:]


def test_missing_objects(store):
    for call in (store.open, store.read, store.size):
        with pytest.raises(ObjectNotFound):
            call("songs/missing.mp3")
    with pytest.raises(ObjectNotFound):
        store.read("songs/missing.mp3", 3, 3)
    store.delete("songs/missing.mp3")  # deleting nothing is fine


def test_delete(store):
    store.save("thumbnails/2025/01/t.jpg", b"jpg")
    store.delete("thumbnails/2025/01/t.jpg")
    assert not store.exists("thumbnails/2025/01/t.jpg")
    assert store.list_keys("thumbnails/") == []


def test_list_keys_is_a_sorted_string_prefix_match(store):
    for key in ["songs/b.mp3", "songs/a.mp3", "songs/ab/c.mp3", "songsx.mp3", "uploads/user_2/u.mp3"]:
        store.save(key, b"x")
    assert store.list_keys("songs/") == ["songs/a.mp3", "songs/ab/c.mp3", "songs/b.mp3"]
    assert store.list_keys("songs/a") == ["songs/a.mp3", "songs/ab/c.mp3"]
    assert store.list_keys("songs") == ["songs/a.mp3", "songs/ab/c.mp3", "songs/b.mp3", "songsx.mp3"]
    assert store.list_keys("nothing/") == []
    assert len(store.list_keys()) == 5
    for prefix in ("/songs", "../", "songs//", "songs/../"):
        with pytest.raises(InvalidKey):
            store.list_keys(prefix)


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "/abs/key.mp4", "songs/../../x", "songs//a", "songs/", "a\\b", "songs/.hidden", ""],
)
def test_unsafe_keys_are_refused_everywhere(store, key):
    for call in (
        store.exists,
        store.delete,
        store.size,
        store.read,
        store.open,
        store.url_for,
        store.local_path,
    ):
        with pytest.raises(InvalidKey):
            call(key)
    with pytest.raises(InvalidKey):
        store.save(key, b"x")


def test_an_alias_reads_as_the_object_and_follows_a_replacement(store):
    # The legacy app's video lookup (output/user_<id>/<file>) finds new videos through an alias.
    store.save("choreographies/2026/12/t.mp4", VIDEO, "video/mp4")
    assert store.alias("choreographies/2026/12/t.mp4", "output/user_7/t.mp4") == "output/user_7/t.mp4"
    assert store.read("output/user_7/t.mp4") == VIDEO
    assert store.exists("output/user_7/t.mp4") and store.size("output/user_7/t.mp4") == len(VIDEO)
    store.alias("choreographies/2026/12/t.mp4", "output/user_7/t.mp4")  # again: replaced, not an error
    assert "output/user_7/t.mp4" in store.list_keys("output/")
    store.delete("output/user_7/t.mp4")
    assert not store.exists("output/user_7/t.mp4")
    assert store.read("choreographies/2026/12/t.mp4") == VIDEO  # the video itself stays
    with pytest.raises(ObjectNotFound):
        store.alias("choreographies/2026/12/absent.mp4", "output/user_7/absent.mp4")
