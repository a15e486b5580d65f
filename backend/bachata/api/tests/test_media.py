import pytest
from hypothesis import given
from hypothesis import strategies as st

from bachata.api.media import ByteRange, Unsatisfiable, media_token, media_token_user, parse_range


@given(size=st.integers(1, 10_000), first=st.integers(0, 20_000), last=st.integers(0, 20_000))
def test_a_satisfiable_range_stays_inside_the_file(size, first, last):
    try:
        wanted = parse_range(f"bytes={first}-{last}", size)
    except Unsatisfiable:
        assert first >= size
        return
    if wanted is not None:
        assert 0 <= wanted.start <= wanted.end < size
        assert wanted.start == first


@given(header=st.text(max_size=30), size=st.integers(0, 1000))
def test_any_header_gives_a_range_the_whole_file_or_416(header, size):
    try:
        wanted = parse_range(header, size)
    except Unsatisfiable:
        return
    assert wanted is None or 0 <= wanted.start <= wanted.end < size


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        (None, None),
    ],
)
def test_range_forms(header, expected):
    assert parse_range(header, 1000) == expected


def test_unsatisfiable_ranges():
    for header in ("bytes=1000-", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            parse_range(header, 1000)


@pytest.mark.django_db
def test_tokens_are_bound_to_object_and_kind(make_user):
    owner = make_user()
    token = media_token("collection-video", "abc", owner.pk)
    assert media_token_user(token, "collection-video", "abc") == owner.pk
    assert media_token_user(token, "collection-video", "other") is None
    assert media_token_user(token, "collection-thumbnail", "abc") is None
    assert media_token_user(token + "x", "collection-video", "abc") is None
