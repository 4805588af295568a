"""Field evidence, as an engineer's phone and the office use it, on both databases and
both storages (a local directory; an S3 bucket, moto's server):

* a photo taken offline and sent later keeps when and where it was taken (its EXIF,
  read, then stripped from what is served, the picture turned upright); its type is
  sniffed, not believed; a thumbnail is served; the ticket gets a new version and
  TICKET_ATTACHMENT_ADDED;
* files are served to whoever may see the ticket, 404 to anyone else, and to nobody
  once removed;
* a refused file (type, size, a request without the preflight header, a ticket the
  uploader may not touch) leaves nothing stored and no row;
* the customer signs on the phone once the close is asked, and the office downloads
  the service report (服务单) as a PDF whose text is the ticket's, in Chinese, with the
  signature and the statement the customer confirmed.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from persistence.storage import storage_from_url

from . import files_helpers as fh
from . import records_helpers as rh
from .client import Server, assert_error, assert_ok, unique_name
from .live_helpers import TICKET_EVENTS, live
from .ticket_helpers import TicketWorld, get_ticket, move_ok

ATTACHMENTS = "query T($id: ID!) { ticket(id: $id) { id version attachments { id kind fileName contentType size url thumbnailUrl takenAt } history { type data } } }"


@pytest.fixture(scope="module", params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def files_server(
    storage_kind: str,
    backend: str,
    server: Server,
    server_factory: Callable[..., Server],
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Server, str | None]]:
    """The shared server (local files), or one storing in a bucket prefix of its own."""
    if storage_kind == "local":
        yield server, None
        return
    url = f"{request.getfixturevalue('s3_url')}/{unique_name('srv')}"
    s3_server = server_factory(backend, FILES_S3_URL=url, COMPANY_NAME="精诚售后服务有限公司")
    yield s3_server, url
    s3_server.stop()


@pytest.fixture(scope="module")
def world(files_server: tuple[Server, str | None]) -> TicketWorld:
    return TicketWorld.build(files_server[0])


def stored_keys(files_server: tuple[Server, str | None]) -> set[str]:
    server, url = files_server

    async def listing() -> set[str]:
        storage = storage_from_url(Path(server.workdir) / "files", url)
        await storage.start()
        try:
            future = datetime.now(UTC) + timedelta(days=1)
            return {key async for key in storage.keys_older_than(future)}
        finally:
            await storage.close()

    return asyncio.run(listing())


def download(server: Server, path: str, token: str | None) -> Any:
    return server.http.get(path, headers=server.headers_for(token))


def test_a_photo_taken_offline_keeps_its_time_and_place(
    world: TicketWorld, files_server: tuple[Server, str | None]
) -> None:
    server = world.server
    ticket = world.advance(world.new_ticket(), "IN_PROGRESS")
    # Named .pdf by a confused phone: the content decides.
    answer = fh.upload(
        server,
        world.engineer.token,
        ticket["id"],
        "现场照片.pdf",
        fh.photo(),
        note="before the repair",
    )
    made = assert_ok(answer)["uploadAttachment"]
    assert made["contentType"] == "image/jpeg"
    assert made["fileName"] == "现场照片.pdf"
    assert made["takenAt"] == "2026-11-30T01:15:00+00:00"
    assert made["latitude"] == pytest.approx(31.23, abs=1e-4)
    assert made["longitude"] == pytest.approx(121.47, abs=1e-4)
    assert made["uploadedBy"]["id"] == world.engineer.id
    assert made["note"] == "before the repair"
    assert made["url"] == f"/files/{made['id']}"

    served = download(server, made["url"], world.engineer.token)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert len(served.content) == made["size"]
    assert b"SecretPhone" not in served.content  # EXIF stripped
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (480, 640)  # turned upright (orientation 6)
    assert dict(image.getexif()) == {}
    thumb = download(server, made["thumbnailUrl"], world.customer_user.token)
    assert thumb.status_code == 200
    assert Image.open(io.BytesIO(thumb.content)).size[1] <= 320

    seen = server.data(ATTACHMENTS, {"id": ticket["id"]}, world.customer_user.token)["ticket"]
    assert [a["id"] for a in seen["attachments"]] == [made["id"]]
    assert seen["version"] == ticket["version"] + 1
    added = seen["history"][-1]
    assert added["type"] == "TICKET_ATTACHMENT_ADDED"
    assert added["data"]["attachmentId"] == made["id"]

    # Whoever may not see the ticket: 404, as for a file that does not exist.
    stranger = server.make_user("CUSTOMER", customer_id=rh.create_customer(server)["id"])
    for token in (stranger.token, world.engineer2.token, None, "not-a-token"):
        assert download(server, made["url"], token).status_code == 404
    assert download(server, "/files/nonsense", world.engineer.token).status_code == 404

    # Removed: served to nobody, not listed; the ticket moves on.
    removed = assert_ok(
        server.gql(
            "mutation R($id: ID!) { removeAttachment(id: $id) { id version attachments { id } } }",
            {"id": made["id"]},
            world.dispatcher.token,
        )
    )["removeAttachment"]
    assert removed["attachments"] == []
    assert download(server, made["url"], world.dispatcher.token).status_code == 404


def test_refused_files_store_nothing(
    world: TicketWorld, files_server: tuple[Server, str | None]
) -> None:
    server = world.server
    ticket = world.advance(world.new_ticket(), "IN_PROGRESS")
    before = stored_keys(files_server)
    version = get_ticket(server, world.dispatcher.token, ticket["id"])["version"]

    text = fh.upload(server, world.engineer.token, ticket["id"], "notes.jpg", b"just text\n" * 50)
    error = assert_error(text, "BAD_USER_INPUT")
    assert "notes.jpg" in error["message"] and "accepted" in error["message"]

    pdf_as_photo = fh.upload(
        server, world.engineer.token, ticket["id"], "manual.pdf", b"%PDF-1.4\n" + b"0" * 500
    )
    assert "must be an image" in assert_error(pdf_as_photo, "BAD_USER_INPUT")["message"]

    too_big = fh.upload(
        server,
        world.engineer.token,
        ticket["id"],
        "huge.pdf",
        b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024),
        kind="DOCUMENT",
    )
    assert "over the limit" in assert_error(too_big, "BAD_USER_INPUT")["message"]

    # A customer of another company, a ticket not yet someone's engineer's.
    stranger = server.make_user("CUSTOMER", customer_id=rh.create_customer(server)["id"])
    hidden = fh.upload(server, stranger.token, ticket["id"], "a.jpg", fh.photo())
    assert_error(hidden, "NOT_FOUND")
    other = fh.upload(server, world.engineer2.token, ticket["id"], "a.jpg", fh.photo())
    assert_error(other, "NOT_FOUND")

    # Without the preflight header a plain form could post it: refused before parsing.
    plain = fh.multipart(
        server,
        fh.UPLOAD,
        {"ticketId": ticket["id"], "kind": "PHOTO"},
        {"file": ("a.jpg", fh.photo(), "image/jpeg")},
        world.engineer.token,
        headers={},
    )
    assert plain.status_code == 400
    assert plain.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    after = get_ticket(server, world.dispatcher.token, ticket["id"])
    assert after["version"] == version
    assert stored_keys(files_server) == before


def test_the_customer_signs_and_the_office_downloads_the_report(
    world: TicketWorld, files_server: tuple[Server, str | None]
) -> None:
    server = world.server
    ticket = world.new_ticket(description="主轴异响，无法启动", contact_name="李工")
    ticket = world.advance(ticket, "IN_PROGRESS")
    started = datetime.now(UTC) - timedelta(minutes=50)
    move_ok(
        server,
        world.engineer.token,
        "addWorkRecord",
        ticket["id"],
        input={
            "startedAt": started.isoformat(),
            "endedAt": (started + timedelta(minutes=40)).isoformat(),
            "details": "更换主轴轴承，试运行正常",
        },
    )
    # Not yet: the signature comes with the close request.
    early = fh.multipart(
        server,
        fh.SIGN,
        {"ticketId": ticket["id"], "signerName": "王经理"},
        {"image": ("sig.png", fh.signature_png(), "image/png")},
        world.engineer.token,
    ).json()
    assert_error(early, "CONFLICT")
    ticket = move_ok(server, world.engineer.token, "requestClose", ticket["id"])
    # As the phone's clock says: a second ahead of the server's is allowed (skew).
    signed_at = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    signed = assert_ok(
        fh.multipart(
            server,
            fh.SIGN,
            {
                "ticketId": ticket["id"],
                "signerName": "王经理",
                "signedAt": signed_at.isoformat(),
                "expectedVersion": ticket["version"],
            },
            {"image": ("sig.png", fh.signature_png(), "image/png")},
            world.engineer.token,
        ).json()
    )["recordSignature"]
    assert signed["version"] == ticket["version"] + 1
    assert signed["signature"]["signerName"] == "王经理"
    assert datetime.fromisoformat(signed["signature"]["signedAt"]) == signed_at
    image = download(server, signed["signature"]["url"], world.customer_user.token)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    ticket = move_ok(server, world.customer_user.token, "confirmClose", ticket["id"])
    ticket = move_ok(server, world.back_office.token, "finalizeClose", ticket["id"])
    charges = server.data(
        "query C($id: ID!) { ticket(id: $id) { reportUrl number charges { total confirmedTotal } } }",
        {"id": ticket["id"]},
        world.dispatcher.token,
    )["ticket"]
    assert charges["charges"]["confirmedTotal"] == charges["charges"]["total"]

    report = download(server, charges["reportUrl"], world.back_office.token)
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(report.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    for expected in (
        charges["number"],
        world.customer["name"],
        "主轴异响，无法启动",
        "更换主轴轴承，试运行正常",
        "王经理",
        "合计",
        "服务单",
    ):
        assert expected in text, expected
    assert any("/XObject" in page["/Resources"] for page in pdf.pages)  # the signature
    # The same rule as the ticket: its customer may, a stranger may not.
    assert download(server, charges["reportUrl"], world.customer_user.token).status_code == 200
    assert download(server, charges["reportUrl"], world.engineer2.token).status_code == 404
    assert download(server, charges["reportUrl"], None).status_code == 404


async def test_the_office_sees_the_photo_and_the_signature_at_once(
    world: TicketWorld, files_server: tuple[Server, str | None]
) -> None:
    """The dispatcher's PC is told of the engineer's photo and the customer's signature
    as they are made, with the ticket's new version."""
    server = world.server
    ticket = world.advance(world.new_ticket(), "IN_PROGRESS")
    history = get_ticket(server, world.dispatcher.token, ticket["id"])["history"]
    since = history[-1]["sequence"]
    async with live(server, world.dispatcher.token, label="pc") as pc:
        events = pc.stream(TICKET_EVENTS, {"since": since})
        photo = await asyncio.to_thread(
            fh.upload, server, world.engineer.token, ticket["id"], "p.jpg", fh.photo()
        )
        made = assert_ok(photo)["uploadAttachment"]
        seen = await events.until(lambda e: e["type"] == "TICKET_ATTACHMENT_ADDED", 10, "the photo")
        assert seen[-1]["data"]["attachmentId"] == made["id"]
        assert seen[-1]["ticket"]["version"] == ticket["version"] + 1
        closing = await asyncio.to_thread(
            move_ok, server, world.engineer.token, "requestClose", ticket["id"]
        )
        await asyncio.to_thread(
            fh.multipart,
            server,
            fh.SIGN,
            {"ticketId": ticket["id"], "signerName": "赵女士"},
            {"image": ("s.png", fh.signature_png(), "image/png")},
            world.engineer.token,
        )
        signed = (await events.until(lambda e: e["type"] == "TICKET_SIGNED", 10, "the signature"))[
            -1
        ]
        assert signed["data"]["signerName"] == "赵女士"
        assert signed["ticket"]["version"] == closing["version"] + 1
