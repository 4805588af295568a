"""Rules of the files put on tickets (domain.attachments.files)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.attachments.files import (
    AttachmentKind,
    check_file,
    clean_file_name,
    exif_taken_at,
    gps_degrees,
)
from domain.errors import BadUserInput

ALLOWED = frozenset({"image/jpeg", "image/png", "application/pdf"})
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def check(kind: AttachmentKind, content_type: str | None, size: int = 100) -> str:
    return check_file(kind, "f.bin", content_type, size, max_bytes=1000, allowed=ALLOWED)


def test_a_photo_and_a_document_of_allowed_types_pass() -> None:
    assert check(AttachmentKind.PHOTO, "image/jpeg") == "image/jpeg"
    assert check(AttachmentKind.DOCUMENT, "application/pdf") == "application/pdf"
    assert check(AttachmentKind.DOCUMENT, "image/png") == "image/png"
    assert check(AttachmentKind.SIGNATURE, "image/png", size=1000) == "image/png"


@pytest.mark.parametrize(
    ("kind", "content_type", "size", "why"),
    [
        (AttachmentKind.PHOTO, "image/jpeg", 0, "empty"),
        (AttachmentKind.PHOTO, "image/jpeg", 1001, "over the limit of 1000 bytes"),
        (AttachmentKind.DOCUMENT, None, 10, "unknown type"),
        (AttachmentKind.DOCUMENT, "application/zip", 10, "application/zip"),
        (AttachmentKind.PHOTO, "application/pdf", 10, "must be an image"),
        (AttachmentKind.SIGNATURE, "application/pdf", 10, "must be an image"),
    ],
)
def test_refusals_name_the_file_and_why(
    kind: AttachmentKind, content_type: str | None, size: int, why: str
) -> None:
    with pytest.raises(BadUserInput) as info:
        check(kind, content_type, size)
    assert info.value.message.startswith("file: f.bin: ")
    assert why in info.value.message
    assert info.value.extensions["field"] == "file"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("现场照片.jpg", "现场照片.jpg"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("a<b>:c|d?.png", "a_b_c_d_.png"),
        ("bad\x00name\x1f.pdf", "bad_name_.pdf"),
        ("", "file.jpg"),
        (None, "file.jpg"),
        ("...", "file.jpg"),
    ],
)
def test_file_names_lose_directories_and_reserved_characters(
    given: str | None, expected: str
) -> None:
    assert clean_file_name(given, "image/jpeg") == expected


def test_long_names_keep_their_extension() -> None:
    cleaned = clean_file_name("x" * 500 + ".jpeg", "image/jpeg")
    assert len(cleaned) == 200 and cleaned.endswith(".jpeg")


def test_exif_time_with_its_offset_or_in_the_given_zone() -> None:
    with_offset = exif_taken_at("2026:11:30 09:15:00", "+08:00", "Europe/Paris", NOW)
    assert with_offset == datetime(2026, 11, 30, 1, 15, tzinfo=UTC)
    in_zone = exif_taken_at("2026:11:30 09:15:00", None, "Asia/Shanghai", NOW)
    assert in_zone == datetime(2026, 11, 30, 1, 15, tzinfo=UTC)
    assert exif_taken_at("2026:11:30 09:15:00\x00", "-05:30", "UTC", NOW) == datetime(
        2026, 11, 30, 14, 45, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value", [None, "", "yesterday", "2026:13:40 25:00:00", "0000:00:00 00:00:00"]
)
def test_unreadable_exif_times_are_none(value: str | None) -> None:
    assert exif_taken_at(value, None, "Asia/Shanghai", NOW) is None


def test_a_camera_clock_in_the_future_is_not_believed() -> None:
    assert exif_taken_at("2027:06:01 10:00:00", None, "Asia/Shanghai", NOW) is None


def test_gps_degrees() -> None:
    assert gps_degrees((31.0, 13.0, 48.0), "N") == pytest.approx(31.23)
    assert gps_degrees((121.0, 28.0, 12.0), "W") == pytest.approx(-121.47)
    assert gps_degrees((33.0, 52.0, 0.0), "S") == pytest.approx(-33.8666667)


@pytest.mark.parametrize(
    ("dms", "ref"),
    [
        ((91.0, 0.0, 0.0), "N"),
        ((181.0, 0.0, 0.0), "E"),
        ((1.0, 2.0), "N"),
        ((1.0, 2.0, 3.0), "X"),
        ((1.0, 2.0, 3.0), None),
        (("a", 2.0, 3.0), "N"),
        (None, "N"),
    ],
)
def test_malformed_gps_is_none(dms: object, ref: str | None) -> None:
    assert gps_degrees(dms, ref) is None
