"""``/track`` text -> a typed command. Pure: no database, no Slack.

Project and task names are resolved later against the database; the parser only splits the
text into the words the grammar names.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot import dates, invoice_words, report_words, time_words
from bot.errors import UserError

USAGE = {
    "start": (
        "`/track start <project> [task] [description]`, "
        'e.g. `/track start ACME-WEB Design "homepage wireframes"`'
    ),
    "stop": "`/track stop [description]`: saves the running timer (a description given replaces its own)",
    "discard": "`/track discard`: drops the running timer without saving its time",
    "status": "`/track status`",
    "log": (
        "`/track log <duration> <project> [task] [description] [on <date>]`, "
        "e.g. `/track log 1h30m ACME-WEB Build fixed the footer on yesterday`"
    ),
    "new": "`/track new` (or `/track log` alone) opens a form to log time",
    "edit": "`/track edit last`",
    "delete": "`/track delete last`",
    "rate": "`/track rate <entry id|last>` (partners and admins): which rate priced an entry",
    "audit": "`/track audit <entry id|last>`: an entry's history",
    "submit": "`/track submit [this week|last week|YYYY-MM-DD..YYYY-MM-DD]`: send your time for approval",
    "approvals": "`/track approvals`: submissions waiting for you",
    "reopen": "`/track reopen <entry id> <reason>` (partners and admins)",
    "off": time_words.OFF_USAGE,
    "invoice": invoice_words.INVOICE_USAGE,
    "clients": invoice_words.CLIENTS_USAGE,
    "report": report_words.REPORT_USAGE,
    "reminders": time_words.REMINDERS_USAGE,
    "today": "`/track today`",
    "week": "`/track week`",
    "help": "`/track help`",
}
SUBCOMMANDS = tuple(USAGE)

DURATION_FORMS = "`90m`, `1h30m`, `1.5h`, `1:30` or `0.1h`"
DATE_FORMS = dates.FORMS

_HOURS_MINUTES = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+)m(?:in)?)?$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Start:
    project: str
    rest: list[str] = field(default_factory=list)  # [task] [description words]


@dataclass(frozen=True)
class Stop:
    description: str | None = None


@dataclass(frozen=True)
class Discard:
    pass


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Log:
    seconds: int
    project: str
    rest: list[str]
    day: date


@dataclass(frozen=True)
class Report:
    period: str  # "today" or "week"


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenModal:
    kind: str  # "entry" or "start"


@dataclass(frozen=True)
class LastEntry:
    action: str  # "edit" or "delete"


@dataclass(frozen=True)
class RateQuery:
    entry: int | None  # None: the caller's last entry


@dataclass(frozen=True)
class AuditQuery:
    entry: int | None  # None: the caller's last entry


@dataclass(frozen=True)
class Submit:
    first: date
    last: date


@dataclass(frozen=True)
class Approvals:
    pass


@dataclass(frozen=True)
class Reopen:
    entry: int
    reason: str


Command = (
    Start
    | Stop
    | Discard
    | Status
    | Log
    | Report
    | Help
    | OpenModal
    | LastEntry
    | RateQuery
    | AuditQuery
    | Submit
    | Approvals
    | Reopen
    | time_words.TimeOff
    | time_words.CancelTimeOff
    | time_words.ListTimeOff
    | time_words.Reminders
    | invoice_words.InvoiceRequest
    | invoice_words.ClientsOverview
    | report_words.ReportRequest
)


def split_words(text: str) -> list[str]:
    """Split like a shell: quotes group words. Slack may turn quotes into curly ones."""
    normalized = (
        text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    )
    if '"' not in normalized:
        # What shlex gives for text without quotes, at a tenth of the cost (the hot path).
        return [word for word in _SHELL_WHITESPACE.split(normalized) if word]
    return shell_words(normalized)


_SHELL_WHITESPACE = re.compile("[ \t\r\n]+")  # shlex's whitespace


def shell_words(normalized: str) -> list[str]:
    """shlex's split, double quotes only (see split_words)."""
    lexer = shlex.shlex(normalized, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    # Apostrophes in descriptions ("client's") are common; only double quotes group words.
    lexer.quotes = '"'
    lexer.escape = ""
    try:
        return list(lexer)
    except ValueError:
        raise UserError('There is an opening `"` without a closing one.') from None


TOO_LONG = 10**9  # seconds: what an absurd duration reads as, for the rules to refuse


def parse_duration(word: str) -> int:
    """``90m``, ``1h30m``, ``1.5h``, ``1:30``, ``0.1h`` -> whole seconds. Whether an entry
    may last that long is a rule of the entries service (``rules.duration``), not of the
    grammar."""
    token = word.strip().lower()
    seconds: Decimal | int | None = None
    clock = _CLOCK.match(token)
    if clock:
        seconds = int(clock.group(1)) * 3600 + int(clock.group(2)) * 60
    else:
        match = _HOURS_MINUTES.match(token)
        if match and (match.group(1) or match.group(2)):
            hours = Decimal(match.group(1) or 0)
            minutes = int(match.group(2) or 0)
            seconds = hours * 3600 + minutes * 60
    if seconds is None:
        raise UserError(f"`{word}` is not a duration. Write it as {DURATION_FORMS}.")
    if seconds > TOO_LONG:  # past any bound (a 30-digit number would overflow the rounding)
        return TOO_LONG
    return int(Decimal(seconds).quantize(Decimal(1), ROUND_HALF_UP))


def parse_date(word: str, today: date, *, day_first: bool = False) -> date:
    """One day word (see ``bot.dates`` for every form)."""
    return dates.parse_day([word], today, day_first=day_first)


MAX_TEXT = 4000  # characters of /track text; a description is at most MAX_DESCRIPTION (rules)


def slack_text(text: str) -> str:
    """What the person typed: Slack sends ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and
    ``&gt;`` in command text (and only those; ``&amp;`` last, so a typed ``&lt;`` stays)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


MAX_ID = 2**31 - 1  # entry ids are INTEGER columns


def entry_number(word: str, sub: str) -> int:
    number = int(word)
    if not 0 < number <= MAX_ID:
        raise UserError(f"There is no entry {word}.", usage=USAGE[sub])
    return number


def parse(text: str, today: date, *, day_first: bool = False) -> Command:
    """Parse the text after ``/track`` (as Slack sends it); ``today`` is today in the
    person's timezone; ``day_first``: numeric dates put the day first (the workspace's locale)."""
    text = slack_text(text)
    if len(text) > MAX_TEXT:
        raise UserError(
            f"That is {len(text):,} characters; `/track` takes at most {MAX_TEXT:,}. "
            "For a long description use the form: `/track new`."
        )
    if "\x00" in text:
        raise UserError("The text holds a NUL character, which can't be stored; remove it.")
    words = split_words(text)
    if not words:
        return Help()
    sub, args = words[0].lower(), words[1:]
    if sub == "start":
        return Start(project=args[0], rest=args[1:]) if args else OpenModal("start")
    if sub == "new" or (sub == "log" and not args):
        if args:
            raise UserError("`/track new` takes no arguments.", usage=USAGE["new"])
        return OpenModal("entry")
    if sub == "submit":
        return _parse_submit(args, today)
    if sub == "approvals":
        if args:
            raise UserError("`/track approvals` takes no arguments.", usage=USAGE["approvals"])
        return Approvals()
    if sub == "reopen":
        if len(args) < 2 or not args[0].isdigit():
            raise UserError("Which entry, and why?", usage=USAGE["reopen"])
        return Reopen(entry_number(args[0], "reopen"), " ".join(args[1:]))
    if sub in ("rate", "audit"):
        if len(args) != 1 or not (args[0].lower() == "last" or args[0].isdigit()):
            raise UserError("Which entry? Give its number or `last`.", usage=USAGE[sub])
        entry = None if args[0].lower() == "last" else entry_number(args[0], sub)
        return RateQuery(entry) if sub == "rate" else AuditQuery(entry)
    if sub in ("edit", "delete"):
        if [a.lower() for a in args] != ["last"]:
            raise UserError(f"`/track {sub}` works on your last entry.", usage=USAGE[sub])
        return LastEntry(sub)
    if sub == "off":
        return time_words.parse_off(args, today, day_first=day_first)
    if sub == "reminders":
        return time_words.parse_reminders(args)
    if sub == "invoice":
        return invoice_words.parse_invoice(args, today)
    if sub == "clients":
        return invoice_words.parse_clients(args)
    if sub == "report":
        return report_words.parse_report(args, today)
    if sub == "stop":
        return Stop(" ".join(args) or None)
    if sub in ("discard", "status", "today", "week", "help"):
        if args:
            raise UserError(f"`/track {sub}` takes no arguments.", usage=USAGE[sub])
        simple: dict[str, Command] = {"discard": Discard(), "status": Status(), "help": Help()}
        return simple.get(sub) or Report(sub)
    if sub == "log":
        return _parse_log(args, today, day_first=day_first)
    raise UserError(
        f"`{words[0]}` is not a /track command. Try one of: "
        + ", ".join(f"`{s}`" for s in SUBCOMMANDS)
        + ".",
        usage="`/track help` shows each one with an example.",
    )


def _parse_log(args: list[str], today: date, *, day_first: bool) -> Log:
    if len(args) < 2:
        raise UserError("`/track log` needs a duration and a project.", usage=USAGE["log"])
    try:
        seconds = parse_duration(args[0])
    except UserError as err:
        raise UserError(err.message, usage=USAGE["log"]) from None
    project, rest = args[1], args[2:]
    day = today
    # `on` and up to three words that mean to be a day end the text: they must be one.
    ons = [i for i, word in enumerate(rest) if word.lower() == "on" and len(rest) - i - 1 <= dates.MAX_WORDS]
    if ons and dates.looks_like_a_day(rest[ons[-1] + 1 :]):
        try:
            day = dates.parse_day(rest[ons[-1] + 1 :], today, day_first=day_first)
        except UserError as err:
            raise UserError(err.message, usage=USAGE["log"]) from None
        rest = rest[: ons[-1]]
    return Log(seconds=seconds, project=project, rest=rest, day=day)


def quote(words: list[str]) -> str:
    return shlex.join(words)


def _parse_submit(args: list[str], today: date) -> Submit:
    """Default: the person's current week (Monday to Sunday)."""
    monday = today - timedelta(days=today.weekday())
    text = " ".join(a.lower() for a in args)
    if text in ("", "this week"):
        return Submit(monday, monday + timedelta(days=6))
    if text == "last week":
        return Submit(monday - timedelta(days=7), monday - timedelta(days=1))
    first_text, sep, last_text = text.partition("..")
    try:
        first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
    except ValueError:
        raise UserError(f"`{' '.join(args)}` is not a period.", usage=USAGE["submit"]) from None
    if not sep or first > last:
        raise UserError("The period runs from its first day to its last.", usage=USAGE["submit"])
    return Submit(first, last)
