"""Share links on the web: ``GET /r/<token>`` (the page) and ``GET /r/<token>/hours.csv``
(what it shows), served by ``punchcard serve`` beside Slack's endpoint.

The database work runs on the thread pool, never on the serving loop. An unknown, expired,
revoked or malformed token gets the same 404, with the same headers, so a link's existence
cannot be probed. Every answer says: no referrer (the token never leaks to a site the page
links to), not to be indexed or cached, and no script, frame or outside asset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.services import sharing
from bot.services.clock import utcnow
from bot.views import share_page
from storage.db import Database

logger = logging.getLogger(__name__)

HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
}


def share_routes(db: Database, *, clock: Callable[[], datetime] = utcnow) -> list[Route]:
    def load(token: str, first: str | None, last: str | None, *, csv: bool) -> sharing.Page | None:
        now = clock()
        with db.transaction() as conn:
            link = sharing.resolve(conn, token, now=now) if csv else sharing.visit(conn, token, now=now)
            if link is None:
                return None
            return sharing.page(conn, link, first=first, last=last, now=now, every_entry=csv)

    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        found = await run_in_threadpool(load, token, request.query_params.get("from"),
                                        request.query_params.get("to"), csv=False)  # fmt: skip
        if found is None:
            return not_found()
        return HTMLResponse(share_page.html(found, token=token), headers=HEADERS)

    async def hours_csv(request: Request) -> Response:
        token = request.path_params["token"]
        found = await run_in_threadpool(load, token, request.query_params.get("from"),
                                        request.query_params.get("to"), csv=True)  # fmt: skip
        if found is None:
            return not_found()
        name = f"hours-{found.first.isoformat()}-{found.last.isoformat()}.csv"
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(share_page.csv_text(found), media_type="text/csv; charset=utf-8", headers=headers)

    return [
        Route("/r/{token}/hours.csv", hours_csv, methods=["GET"]),
        Route("/r/{token}", page, methods=["GET"]),
    ]


def not_found() -> Response:
    return HTMLResponse(share_page.NOT_FOUND, status_code=404, headers=HEADERS)
