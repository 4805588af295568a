"""Rules for the files put on tickets (photos, documents, signatures): which kinds
take which content types, the limits, clean file names, and the time and place a
photo's EXIF tells (kept as facts before the EXIF is stripped from what is served)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.errors import BadUserInput


class AttachmentKind(StrEnum):
    PHOTO = "PHOTO"
    DOCUMENT = "DOCUMENT"
    SIGNATURE = "SIGNATURE"


# What Pillow re-encodes (to strip EXIF, to make a thumbnail).
IMAGE_TYPES: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp"})
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
MAX_NAME_LENGTH = 200


def check_file(
    kind: AttachmentKind,
    file_name: str,
    content_type: str | None,
    size: int,
    *,
    max_bytes: int,
    allowed: frozenset[str],
    field: str = "file",
) -> str:
    """The content type to keep, or BAD_USER_INPUT naming the file and why."""
    if size == 0:
        raise BadUserInput(f"{file_name}: the file is empty", field=field)
    if size > max_bytes:
        raise BadUserInput(
            f"{file_name}: {size} bytes is over the limit of {max_bytes} bytes", field=field
        )
    if content_type is None or content_type not in allowed:
        seen = content_type or "an unknown type"
        raise BadUserInput(
            f"{file_name}: its content is {seen}; accepted: {', '.join(sorted(allowed))}",
            field=field,
        )
    if kind in (AttachmentKind.PHOTO, AttachmentKind.SIGNATURE) and content_type not in IMAGE_TYPES:
        raise BadUserInput(
            f"{file_name}: a {kind.value.lower()} must be an image, not {content_type}",
            field=field,
        )
    return content_type


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def clean_file_name(name: str | None, content_type: str) -> str:
    """The name shown and sent back on download: no directories, no control or
    reserved characters, at most MAX_NAME_LENGTH characters; a default when none
    is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", _UNSAFE.sub("_", base)).strip(" ._")
    if not base:
        base = f"file.{EXTENSIONS.get(content_type, 'bin')}"
    if len(base) > MAX_NAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        base = (stem if keep else base)[: MAX_NAME_LENGTH - len(keep) - 1] + (
            f".{keep}" if keep else ""
        )
    return base


def exif_taken_at(
    value: str | None, offset: str | None, zone: str, now: datetime
) -> datetime | None:
    """When a photo was taken, from EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS", the
    camera's local time) and OffsetTimeOriginal ("+08:00") when the camera wrote one,
    else read in `zone`. None when absent, unreadable or in the future (a wrong clock)."""
    if not value:
        return None
    try:
        local = datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    tz: timezone | ZoneInfo = ZoneInfo(zone)
    if offset and (match := re.fullmatch(r"([+-])(\d{2}):(\d{2})", offset.strip())):
        sign = 1 if match[1] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
    taken = local.replace(tzinfo=tz).astimezone(UTC)
    return None if taken > now + timedelta(days=1) else taken


UTC = UTC


def gps_degrees(dms: object, ref: str | None) -> float | None:
    """Decimal degrees from EXIF (degrees, minutes, seconds) rationals and a reference
    (N/S, E/W); None when malformed or out of range."""
    if not isinstance(dms, tuple | list) or len(dms) != 3 or ref not in ("N", "S", "E", "W"):
        return None
    try:
        d, m, s = (Fraction(float(x)).limit_denominator(1_000_000) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    degrees = float(d + m / 60 + s / 3600)
    if ref in ("S", "W"):
        degrees = -degrees
    limit = 90 if ref in ("N", "S") else 180
    return round(degrees, 7) if -limit <= degrees <= limit else None
