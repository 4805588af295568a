"""Cursors and page sizes (resolvers.pagination)."""

from __future__ import annotations

import base64

import pytest

from domain.errors import BadUserInput
from resolvers.ids import encode_id
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from settings import Settings


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MAX_PAGE_SIZE", "DEFAULT_PAGE_SIZE", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None, max_page_size=100, default_page_size=20)


@pytest.mark.parametrize("pk", [1, 20, 12345, 2**31 - 1])
def test_cursor_round_trip(pk: int) -> None:
    assert decode_cursor(encode_cursor(pk)) == pk


def test_cursors_are_opaque_and_ordered_by_pk() -> None:
    assert "12345" not in encode_cursor(12345)
    assert encode_cursor(1) != encode_cursor(2)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage!",
        "%%%",
        "é",
        encode_id("User", 5),
        base64.urlsafe_b64encode(b"after:").decode(),
        base64.urlsafe_b64encode(b"after:-1").decode(),
        base64.urlsafe_b64encode(b"after:1.5").decode(),
        base64.urlsafe_b64encode(b"before:5").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_garbage_cursor(cursor: str) -> None:
    with pytest.raises(BadUserInput) as info:
        decode_cursor(cursor)
    assert info.value.code == "BAD_USER_INPUT"
    assert info.value.extensions["field"] == "after"
    assert info.value.message.startswith("after: ")


def test_page_size_default(settings: Settings) -> None:
    assert page_size(None, settings) == 20


@pytest.mark.parametrize("first", [0, 1, 20, 99, 100])
def test_page_size_in_range(first: int, settings: Settings) -> None:
    assert page_size(first, settings) == first


@pytest.mark.parametrize("first", [-1, -100])
def test_page_size_negative(first: int, settings: Settings) -> None:
    with pytest.raises(BadUserInput) as info:
        page_size(first, settings)
    assert info.value.extensions["field"] == "first"


@pytest.mark.parametrize("first", [101, 10_000])
def test_page_size_over_max(first: int, settings: Settings) -> None:
    with pytest.raises(BadUserInput) as info:
        page_size(first, settings)
    assert info.value.extensions["field"] == "first"
    assert info.value.message.startswith("first: ")
    assert "100" in info.value.message


def test_page_size_follows_settings() -> None:
    small = Settings(_env_file=None, max_page_size=10, default_page_size=5)
    assert page_size(None, small) == 5
    assert page_size(10, small) == 10
    with pytest.raises(BadUserInput):
        page_size(11, small)
