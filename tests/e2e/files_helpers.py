"""Files as a phone sends them: GraphQL multipart requests (the `operations`, `map`
and file parts of the spec) over httpx, photos with EXIF made with Pillow."""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

from .client import Client

PREFLIGHT = {"Apollo-Require-Preflight": "true"}

UPLOAD = """
mutation U($ticketId: ID!, $file: Upload!, $kind: AttachmentKind!, $note: String) {
  uploadAttachment(ticketId: $ticketId, file: $file, kind: $kind, note: $note) {
    id fileName contentType size url thumbnailUrl uploadedAt uploadedBy { id }
    takenAt latitude longitude note
  }
}"""

SIGN = """
mutation S($ticketId: ID!, $signerName: String!, $image: Upload!, $signedAt: DateTime,
           $expectedVersion: Int) {
  recordSignature(ticketId: $ticketId, signerName: $signerName, image: $image,
                  signedAt: $signedAt, expectedVersion: $expectedVersion) {
    id version signature { signerName signedAt url }
  }
}"""


def multipart(
    server: Client,
    query: str,
    variables: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]],
    token: str | None,
    *,
    headers: dict[str, str] | None = None,
) -> Any:
    """POSTs `query` with `files` ({variable name: (file name, bytes, content type)})
    set to null in the variables and sent as parts; returns the raw httpx response."""
    variables = {**variables, **dict.fromkeys(files)}
    mapping = {str(i): [f"variables.{name}"] for i, name in enumerate(files)}
    parts = {str(i): files[name] for i, name in enumerate(files)}
    return server.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps(mapping),
        },
        files=parts,
        headers={**server.headers_for(token), **(PREFLIGHT if headers is None else headers)},
    )


def upload(
    server: Client,
    token: str,
    ticket_id: str,
    name: str,
    content: bytes,
    kind: str = "PHOTO",
    *,
    content_type: str = "application/octet-stream",
    note: str | None = None,
) -> dict[str, Any]:
    response = multipart(
        server,
        UPLOAD,
        {"ticketId": ticket_id, "kind": kind, "note": note},
        {"file": (name, content, content_type)},
        token,
    )
    return response.json()


def photo(
    *,
    size: tuple[int, int] = (640, 480),
    taken: str | None = "2026:11:30 09:15:00",
    offset: str | None = "+08:00",
    gps: tuple[float, float] | None = (31.23, 121.47),
    orientation: int | None = 6,
    make: str = "SecretPhone",
    fmt: str = "JPEG",
) -> bytes:
    """A photo as a phone writes it: EXIF time, place, orientation, the maker."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[Base.Make] = make
    if orientation:
        exif[Base.Orientation] = orientation
    if taken:
        details: dict[int, Any] = {Base.DateTimeOriginal: taken}
        if offset:
            details[Base.OffsetTimeOriginal] = offset
        exif[IFD.Exif] = details
    if gps:
        lat, lon = gps
        exif[IFD.GPSInfo] = {
            GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            GPS.GPSLatitude: _dms(abs(lat)),
            GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            GPS.GPSLongitude: _dms(abs(lon)),
        }
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def signature_png() -> bytes:
    image = Image.new("L", (300, 100), 255)
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 20) - 10), 0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60, 2)
    return float(degrees), float(minutes), seconds
