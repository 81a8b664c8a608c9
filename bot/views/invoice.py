"""An invoice as HTML (Jinja2, ``templates/invoice.html``) and as PDF (WeasyPrint).

Pure functions of a ``bot.services.invoices.document.Document``. Amounts, hours and dates are
formatted with Babel in the client's locale. A firm may bring its own templates: the folder
named by ``PUNCHCARD_TEMPLATES`` is searched first, the built-in ``templates/`` after it.

Printing a long timesheet is most of an invoice's cost. Besides the template's own layout
(see its appendix), ``pdf`` spares WeasyPrint three costs that are not layout; on a 1,000-row
timesheet (bench/invoice_pdf.py), without each the PDF takes: the cyclic garbage collector
left on +31 %; the caller's stack depth left to chance, 0.15 to 1.6 s more (system time);
WeasyPrint's stock user-agent stylesheet +17 % (and 40 % more memory).
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from bot.services.invoices.document import Document, Line

# The checkout's templates/ (an editable install), else the copy a wheel installs as data
# (pyproject: share/punchcard/templates under the environment's prefix).
_IN_CHECKOUT = Path(__file__).resolve().parents[2] / "templates"
BUILTIN_TEMPLATES = (
    _IN_CHECKOUT if _IN_CHECKOUT.is_dir() else Path(sys.prefix) / "share" / "punchcard" / "templates"
)
TEMPLATE = "invoice.html"
ENV_VAR = "PUNCHCARD_TEMPLATES"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")  # a retainer line's month, as build writes it


# Formatting is cached: a timesheet repeats its days and hours, and Babel parses its pattern
# (and matches a skeleton) on every call.
@lru_cache(maxsize=4096)
def _money(amount: Decimal | None, currency: str, locale: str) -> str:
    if amount is None:
        return ""
    return str(format_currency(amount, currency, locale=locale))


@lru_cache(maxsize=4096)
def _hours(hours: Decimal | None, locale: str) -> str:
    if hours is None:
        return ""
    return str(format_decimal(hours, format="#,##0.00", locale=locale))


@lru_cache(maxsize=4096)
def _date(d: date | None, locale: str) -> str:
    if d is None:
        return ""
    return str(format_date(d, format="medium", locale=locale))


@lru_cache(maxsize=4096)
def _day(d: date, locale: str) -> str:
    """A short, numeric date (11/2/2026, 02.11.2026): it fits the timesheet's date column."""
    return str(format_skeleton("yMMdd", d, locale=locale))


def _percent(value: Decimal | None, locale: str) -> str:
    """20 -> "20", 7.5 -> "7.5" (or "7,5"), 8.875 -> "8.875": percents as given, no trailing zeros."""
    if value is None:
        return ""
    return str(format_decimal(value, format="#,##0.####", locale=locale))


def _month(key: str, locale: str) -> str:
    """A retainer line's month, 2026-11, as November 2026 (novembre 2026, 2026年11月); anything
    else as it is."""
    found = _MONTH.match(key)
    if not found or not 1 <= int(found[2]) <= 12:
        return key
    return str(format_skeleton("yMMMM", date(int(found[1]), int(found[2]), 1), locale=locale))


def _describe(line: Line, locale: str) -> str:
    """What a line is, after its project's name: a time line's task, person or entry as built;
    a fixed fee; a milestone; a retainer month's fee, its included hours and the hours beyond."""
    if line.kind == "fee":
        return "fixed fee" + (f": {line.description}" if line.description else "")
    if line.kind == "milestone":
        return f"milestone: {line.description}" if line.description else "milestone"
    if line.kind in ("retainer", "included", "overage"):
        what = {"retainer": "retainer", "included": "hours included in the retainer",
                "overage": "hours beyond the retainer"}[line.kind]  # fmt: skip
        return f"{what}, {_month(line.description, locale)}" if line.description else what
    return line.description


@lru_cache(maxsize=8)
def _environment(custom: str | None) -> Environment:
    loaders = [FileSystemLoader(str(BUILTIN_TEMPLATES))]
    if custom:
        loaders.insert(0, FileSystemLoader(custom))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters["money"] = _money
    env.filters["hours"] = _hours
    env.filters["date"] = _date
    env.filters["day"] = _day
    env.filters["percent"] = _percent
    env.filters["month"] = _month
    env.filters["describe"] = _describe
    return env


def environment() -> Environment:
    """The Jinja environment for the current ``PUNCHCARD_TEMPLATES`` (cached per value)."""
    return _environment(os.environ.get(ENV_VAR) or None)


def clear_cache() -> None:
    _environment.cache_clear()


def base_url() -> str:
    """Where relative URLs in a template (images, stylesheets) resolve: the firm's folder if set."""
    return os.environ.get(ENV_VAR) or str(BUILTIN_TEMPLATES)


def _logo(doc: Document) -> str | None:
    return Path(doc.logo).resolve().as_uri() if doc.logo else None


def _render(doc: Document) -> tuple[str, bool]:
    """The HTML, and whether it is the built-in template's."""
    template = environment().get_template(TEMPLATE)
    text = template.render(doc=doc, locale=doc.locale, currency=doc.currency, logo=_logo(doc),
                           paper="Letter" if doc.paper.lower() == "letter" else "A4")  # fmt: skip
    builtin = template.filename is not None and Path(template.filename).parent == BUILTIN_TEMPLATES
    return text, builtin


def html(doc: Document) -> str:
    return _render(doc)[0]


# -- Printing -----------------------------------------------------------------------------------

_local = threading.local()
_pause_lock = threading.Lock()
_pauses = 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint works. A 1,000-row timesheet makes
    some 170,000 objects (boxes, styles, layouts) that live until the PDF is written, and the collector
    would walk them all again each time the heap grew by a quarter. Back on, it runs once, over
    the young objects only: the document, which is in reference cycles. Counted, so that PDFs
    printed on several threads at once turn it back on once, after the last; left off if it
    was off already."""
    global _pauses
    with _pause_lock:
        ours = _pauses > 0 or gc.isenabled()
        if ours:
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _pause_lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()


def _call(fn: Callable[[], Any]) -> Any:
    return fn()


# ``_call`` with a 512 KiB frame. CPython (3.11) keeps frames in 16 KiB chunks and frees a chunk
# as soon as the frame at its start returns; when a hot call in WeasyPrint's deep recursion
# lands on a chunk's edge, each call maps and unmaps one: up to 300,000 page faults and 1.6 s
# of system time on a 1,000-row timesheet, depending only on how deep the caller's stack
# happens to be. From this frame, WeasyPrint runs in the room left in the one 1 MiB chunk it
# opens, whoever calls (the unused stack area is never touched, so costs no memory).
_roomy: Callable[[Callable[[], Any]], Any] = types.FunctionType(
    _call.__code__.replace(co_stacksize=65536), _call.__globals__, "_roomy"
)


@lru_cache(maxsize=1)
def _lean_ua() -> Any:
    """WeasyPrint's user-agent stylesheet without its rules for ``::footnote-call``,
    ``::footnote-marker``, ``::note-*`` on every element and with ``::marker`` for list items
    only: else each element gets six pseudo-element styles (40 % of the memory and 6 % of
    the time of a long timesheet). For the built-in template only (no footnotes, no lists);
    None (the stock stylesheet) if this WeasyPrint is not laid out as expected."""
    try:
        from weasyprint import CSS
        from weasyprint.html import UA, UA_COUNTER_STYLE
    except ImportError:
        return None
    lean, dropped = re.subn(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", "", UA, flags=re.MULTILINE)
    lean, scoped = re.subn(r"^::marker \{", "li::marker, summary::marker {", lean, flags=re.MULTILINE)
    if not dropped or not scoped or "::marker" not in UA:
        return None
    return CSS(string=lean, counter_style=UA_COUNTER_STYLE)


@lru_cache(maxsize=2)
def _html_class(builtin: bool) -> Any:
    """``weasyprint.HTML``, with the lean user-agent stylesheet for the built-in template."""
    import weasyprint  # heavy (Pango, fonts): loaded on the first PDF only

    lean = _lean_ua() if builtin else None
    if lean is None or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return weasyprint.HTML

    class LeanHTML(weasyprint.HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [lean, *super()._ua_stylesheets(forms)[1:]]

    return LeanHTML


def _font_config() -> Any:
    """One WeasyPrint font configuration per thread (Pango's font map is not thread-safe):
    fonts found and opened once, not for every PDF (13 ms of a one-page invoice's 200)."""
    config = getattr(_local, "fonts", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.fonts = FontConfiguration()
    return config


def pdf(doc: Document) -> bytes:
    """The invoice's PDF (WeasyPrint), with the collector paused, from a roomy frame. A client
    with ``einvoice: factur-x`` gets a Factur-X: PDF/A-3b with its EN 16931 XML attached
    (:func:`facturx_pdf`); a draft is no invoice, and prints plain."""
    if doc.einvoice == "factur-x" and not doc.draft:
        return facturx_pdf(doc)
    source, builtin = _render(doc)
    html_class = _html_class(builtin)
    fonts = _font_config()

    def write() -> Any:  # the document is freed on return, before the collector is back
        return html_class(string=source, base_url=base_url()).render(font_config=fonts).write_pdf()

    with _collector_paused():
        data = _roomy(write)
    assert data is not None
    return bytes(data)


def facturx_pdf(doc: Document) -> bytes:
    """A Factur-X invoice (profile EN 16931): the PDF printed as PDF/A-3b, with the invoice's CII
    XML (``bot.views.facturx``, checked against the schema) embedded as ``factur-x.xml`` with the
    AFRelationship ``Data``, and the Factur-X extension of the XMP metadata, as WeasyPrint's
    documentation on Factur-X does it (the attachment and the XMP set on the rendered document)."""
    from weasyprint import Attachment

    from bot.views import facturx

    data = facturx.xml(doc)  # first: an invalid e-invoice stops here, before seconds of layout
    source, builtin = _render(doc)
    html_class = _html_class(builtin)
    fonts = _font_config()

    def write() -> Any:
        document = html_class(string=source, base_url=base_url()).render(font_config=fonts)
        document.metadata.attachments = [
            Attachment(string=data, name=facturx.FILENAME, relationship="Data",
                       description=f"Factur-X {facturx.LEVEL} invoice {doc.number}")
        ]  # fmt: skip
        document.metadata.xmp_metadata = [facturx.xmp()]
        return document.write_pdf(pdf_variant="pdf/a-3b")

    with _collector_paused():
        out = _roomy(write)
    assert out is not None
    return bytes(out)
