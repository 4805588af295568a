"""What is served over plain HTTP beside GraphQL: files (GET /files/{id}, its
/thumbnail) and a ticket's service report (GET /tickets/{id}/report.pdf). The reader
sends its bearer token as for GraphQL; who may not see the record gets 404 whatever
the reason (no token, a bad one, a record of someone else's, a removed file)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from domain.errors import NotFound
from resolvers.attachments.serving import download
from resolvers.context import Context
from resolvers.tickets.report import report_pdf
from schema.http_guard import error_body

if TYPE_CHECKING:
    from resolvers.context import Services

log = logging.getLogger("aftersales.downloads")

# What is served is data, never a page: no script runs, nothing is sniffed otherwise.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=0, must-revalidate",
}


def _disposition(name: str, inline: bool) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _not_found() -> Response:
    return Response(
        error_body("not found", NotFound.code), status_code=404, media_type="application/json"
    )


def endpoints(services: Callable[[], Services]) -> dict[str, Callable]:
    async def file(request: Request) -> Response:
        ctx = Context(services(), request)
        try:
            found = await download(
                ctx,
                request.path_params["attachment_id"],
                thumbnail=request.url.path.endswith("/thumbnail"),
            )
        except NotFound:
            return _not_found()
        headers = dict(SAFE_HEADERS)
        headers["Content-Disposition"] = _disposition(found.file_name, inline=True)
        if found.size is not None:
            headers["Content-Length"] = str(found.size)
        return StreamingResponse(found.chunks, media_type=found.content_type, headers=headers)

    async def report(request: Request) -> Response:
        ctx = Context(services(), request)
        try:
            name, pdf = await report_pdf(ctx, request.path_params["ticket_id"])
        except NotFound:
            return _not_found()
        headers = dict(SAFE_HEADERS)
        headers["Content-Disposition"] = _disposition(name, inline=True)
        return Response(pdf, media_type="application/pdf", headers=headers)

    return {"file": file, "report": report}
