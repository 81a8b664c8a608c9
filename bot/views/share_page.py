"""A share link's page (HTML, Jinja2 ``templates/share.html``) and its CSV: pure functions
of a ``bot.services.sharing.Page``. Hours and dates in the client's locale (Babel). No external
asset: the page is one HTML document with its style inline."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from babel.numbers import format_decimal
from jinja2 import Environment

from bot.services.sharing import Page, last_month
from bot.views import invoice as invoice_view

TEMPLATE = "share.html"
NOT_FOUND = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found</title>'
    "<style>body{font:16px/1.5 system-ui,sans-serif;color:#333;margin:15vh auto;max-width:30em;"
    "padding:0 1em}</style></head><body><h1>Not found</h1><p>This link does not exist, has expired, "
    "or was withdrawn. Ask the firm that sent it for a new one.</p></body></html>"
)


def _seconds(value: int, locale: str) -> str:
    return str(
        format_decimal((Decimal(value) / 3600).quantize(Decimal("0.01")), format="#,##0.00", locale=locale)
    )


def environment() -> Environment:
    """The invoices' Jinja environment (the same template folders, ``hours`` and ``date``
    alike), with the page's own filter."""
    env = invoice_view.environment()
    env.filters.setdefault("seconds", _seconds)
    return env


def _query(first: date, last: date) -> str:
    return "?" + urlencode({"from": first.isoformat(), "to": last.isoformat()})


def html(page: Page, *, token: str) -> str:
    """The page. Links are relative to it (``/r/<token>``): ``?from=…&to=…`` and
    ``<token>/hours.csv?…``, so the page never spells out where it is served."""
    month = (page.today.replace(day=1), page.today)
    previous = last_month(page.today)
    template = environment().get_template(TEMPLATE)
    groups: dict[str, list[object]] = {}
    for row in page.rows:
        groups.setdefault(row.project, []).append(row)
    return template.render(
        page=page, firm=page.firm, locale=page.locale, groups=groups,
        this_month=_query(*month), last_month=_query(*previous),
        csv_href=f"{token}/hours.csv{_query(page.first, page.last)}",
    )  # fmt: skip


def csv_text(page: Page) -> str:
    """What the page shows, a row per project, task and work type, then (with descriptions)
    a row per entry."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["client", "period_from", "period_to", "row", "date", "person", "project", "task",
                     "work_type", "approved_hours", "awaiting_hours", "description"])  # fmt: skip
    head = [page.client, page.first.isoformat(), page.last.isoformat()]
    for r in page.rows:
        writer.writerow([*head, "hours", "", "", r.project, r.task, r.work_type, r.approved, r.awaiting, ""])
    for e in page.entries or []:
        hours = (Decimal(e.seconds) / 3600).quantize(Decimal("0.01"))
        approved, awaiting = (hours, "") if e.approved else ("", hours)
        writer.writerow([*head, "entry", e.day.isoformat(), e.person, e.code, e.task, e.work_type, approved,
                         awaiting, e.description])  # fmt: skip
    writer.writerow([*head, "total", "", "", "", "", "", page.approved, page.awaiting, ""])
    return out.getvalue()
