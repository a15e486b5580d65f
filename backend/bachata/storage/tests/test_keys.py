import posixpath
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bachata.storage.keys import (
    MAX_FILENAME_CHARS,
    InvalidKey,
    legacy_video_path_to_key,
    new_choreography_key,
    new_thumbnail_key,
    new_upload_key,
    safe_filename,
    song_key,
    validate_key,
)

segment = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/\\"), min_size=1, max_size=20
).filter(lambda s: not s.startswith("."))
valid_keys = st.lists(segment, min_size=1, max_size=6).map("/".join)


@given(valid_keys)
def test_relative_keys_of_ordinary_segments_are_valid(key):
    assert validate_key(key) == key


@given(st.text(max_size=60))
def test_a_valid_key_never_leaves_its_root(key):
    try:
        validate_key(key)
    except InvalidKey:
        return
    root = "/srv/media"
    joined = posixpath.normpath(posixpath.join(root, key))
    assert joined.startswith(root + "/")
    assert joined == f"{root}/{key}"  # nothing to normalise away: no ., .., // or trailing slash


@given(valid_keys, st.sampled_from(["..", ".", ".git", ""]), valid_keys)
def test_dot_and_empty_segments_are_refused_anywhere(before, bad, after):
    with pytest.raises(InvalidKey):
        validate_key(f"{before}/{bad}/{after}")


@given(valid_keys)
def test_absolute_keys_are_refused(key):
    with pytest.raises(InvalidKey, match="relative"):
        validate_key("/" + key)


@given(valid_keys, st.sampled_from(["\x00", "\n", "\r", "\x7f", "\\"]))
def test_control_characters_and_backslashes_are_refused(key, bad):
    with pytest.raises(InvalidKey):
        validate_key(key + bad)


def test_overlong_and_non_string_keys_are_refused():
    with pytest.raises(InvalidKey, match="1024 bytes"):
        validate_key("é" * 513)
    for key in (None, 3, b"songs/a.mp3"):
        with pytest.raises(InvalidKey):
            validate_key(key)


def test_the_legacy_example_maps_to_its_output_key():
    path = "/app/data/output/user_3/besame_balanced_choreography.mp4"
    assert legacy_video_path_to_key(path) == "output/user_3/besame_balanced_choreography.mp4"


@given(
    root=st.lists(segment, max_size=5).map(lambda s: "/" + "/".join(s)),
    user_id=st.integers(1, 10**9),
    filename=segment,
)
def test_legacy_paths_under_any_media_root_map_to_their_tail(root, user_id, filename):
    path = posixpath.join(root, "output", f"user_{user_id}", filename)
    assert legacy_video_path_to_key(path) == f"output/user_{user_id}/{filename}"


@given(valid_keys)
def test_relative_keys_map_to_themselves(key):
    assert legacy_video_path_to_key(key) == key


@pytest.mark.parametrize(
    "path",
    [
        "/app/data/besame.mp4",
        "/app/data/output/user_x/besame.mp4",
        "/app/data/output/user_3/",
        "/app/data/output/user_3/..",
        "/app/output/user_3/sub/besame.mp4",
        "../output/user_3/besame.mp4",
        "",
    ],
)
def test_paths_that_are_neither_legacy_nor_keys_are_refused(path):
    with pytest.raises(InvalidKey):
        legacy_video_path_to_key(path)


@given(st.text(max_size=300))
def test_safe_filenames_are_always_one_valid_segment(name):
    safe = safe_filename(name)
    assert validate_key(safe) == safe
    assert "/" not in safe and len(safe) <= MAX_FILENAME_CHARS
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", safe)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Bésame Mucho.mp3", "Besame_Mucho.mp3"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\song.MP3", "song.MP3"),
        (".bashrc", "bashrc"),
        ("...", "file"),
        ("a" * 300 + ".mp4", "a" * (MAX_FILENAME_CHARS - 4) + ".mp4"),
    ],
)
def test_safe_filename_examples(name, safe):
    assert safe_filename(name) == safe


def test_new_keys_follow_the_legacy_layout_and_never_repeat():
    now = datetime(2025, 3, 9, tzinfo=UTC)
    first, second = new_choreography_key("besame.mp4", now=now), new_choreography_key("besame.mp4", now=now)
    assert re.fullmatch(r"choreographies/2025/03/[0-9a-f]{12}_besame\.mp4", first)
    assert first != second  # regenerating never overwrites an earlier video (a legacy defect)
    assert new_thumbnail_key("t.jpg", now=now).startswith("thumbnails/2025/03/")
    assert re.fullmatch(r"uploads/user_7/[0-9a-f]{12}_my_song\.mp3", new_upload_key(7, "my song.mp3"))
    assert song_key("Obsesión.mp3") == "songs/Obsesion.mp3"
