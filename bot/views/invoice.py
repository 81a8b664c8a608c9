"""An invoice as HTML (Jinja2, ``templates/invoice.html``) and as PDF (WeasyPrint).

Pure functions of a ``bot.services.invoices.document.Document``. Amounts, hours and dates are
formatted with Babel in the client's locale. A firm may bring its own templates: the folder
named by ``PUNCHCARD_TEMPLATES`` is searched first, the built-in ``templates/`` after it.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from bot.services.invoices.document import Document

# The checkout's templates/ (an editable install), else the copy a wheel installs as data
# (pyproject: share/punchcard/templates under the environment's prefix).
_IN_CHECKOUT = Path(__file__).resolve().parents[2] / "templates"
BUILTIN_TEMPLATES = (
    _IN_CHECKOUT if _IN_CHECKOUT.is_dir() else Path(sys.prefix) / "share" / "punchcard" / "templates"
)
TEMPLATE = "invoice.html"
ENV_VAR = "PUNCHCARD_TEMPLATES"


def _money(amount: Decimal | None, currency: str, locale: str) -> str:
    if amount is None:
        return ""
    return str(format_currency(amount, currency, locale=locale))


def _hours(hours: Decimal | None, locale: str) -> str:
    if hours is None:
        return ""
    return str(format_decimal(hours, format="#,##0.00", locale=locale))


def _date(d: date | None, locale: str) -> str:
    if d is None:
        return ""
    return str(format_date(d, format="medium", locale=locale))


def _percent(value: Decimal | None, locale: str) -> str:
    """20 -> "20", 7.5 -> "7.5" (or "7,5"): percents without trailing zeros."""
    if value is None:
        return ""
    return str(format_decimal(value, format="#,##0.##", locale=locale))


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
    env.filters["percent"] = _percent
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


def html(doc: Document) -> str:
    template = environment().get_template(TEMPLATE)
    return template.render(doc=doc, locale=doc.locale, currency=doc.currency, logo=_logo(doc),
                           paper="Letter" if doc.paper.lower() == "letter" else "A4")  # fmt: skip


_local = threading.local()
_pause_lock = threading.Lock()
_pauses = 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint works. A long timesheet makes
    hundreds of thousands of boxes, and the collector walks the whole, growing heap each time
    it has grown by a quarter: 35-40 % of the time of a 1,000-row appendix, for garbage
    that is almost all freed by reference counting anyway. Counted, so that overlapping
    PDFs on several threads turn it back on once, after the last one."""
    global _pauses
    with _pause_lock:
        ours = _pauses > 0 or gc.isenabled()  # else off already, by someone else's choice: left so
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


def _font_config() -> Any:
    """One WeasyPrint font configuration per thread (Pango's font map is not thread-safe):
    fonts are found and loaded once, not once per PDF."""
    config = getattr(_local, "fonts", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.fonts = FontConfiguration()
    return config


def pdf(doc: Document) -> bytes:
    import weasyprint  # heavy (Pango, fonts): loaded on the first PDF only

    source = html(doc)
    with _collector_paused():
        data = weasyprint.HTML(string=source, base_url=base_url()).write_pdf(font_config=_font_config())
    assert data is not None
    return bytes(data)
