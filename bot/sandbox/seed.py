"""The sandbox's firm and its last four weeks, written into a new database (``punchcard try``).

:func:`seed` imports ``firm.yaml`` with the real importer, then plays the firm's recent past
through the real services in one transaction, each change as of its own moment: time logged or
timed on working days (schedules, holidays, a day off), weeks submitted and approved (prices
frozen), Lena's last week waiting for Ada, Max's drafts this week, no timer running, ACME-WEB
at 87 to 92 of its 100 budgeted hours with its alerts queued. A fixed seed: one ``now``, one firm.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from importlib import resources

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services import approvals, budgets, entries, people, project_index, time_off, timers
from bot.services.calendar import Calendar, region_of
from bot.services.clock import local_date, zone
from bot.services.importer import import_yaml
from storage import catalog, outbox, setup
from storage import people as people_store
from storage.db import Database
from storage.people import PersonRow

RANDOM_SEED, WEEKS = 16, 4  # issue #16; weeks of history before this one
BUDGETED, DESIGN_CAP = "ACME-WEB", 32 * 3600  # of the Design task's 40 h
BUDGET_RANGE = (87 * 3600, 92 * 3600)  # of its 100 h: the 80 % alert fired, 100 % a day's work away
WAITING, DRAFTING = "U0MEMBER2", "U0MEMBER"  # whose last week waits for Ada; who has drafts this week
APPROVER, ADMIN, REWORKED = "U0PARTNER", "U0ADMIN", "U0MEMBER3"
FIRM_TZ = "America/New_York"  # firm.yaml's workspace timezone: its weeks are the history's

# What each person works on: (weight, project code, task, pool of descriptions).
LANES: dict[str, list[tuple[int, str, str | None, str]]] = {
    "U0PARTNER": [(14, "ACME-WEB", None, "acme-lead"), (8, "ACME-SUP", None, "support"),
                  (18, "GLOBEX-BRAND", None, "globex-lead"), (16, "INITECH-PORTAL", "Discovery", "discovery"),
                  (30, "HALE-ADMIN", "Business development", "bd"), (14, "HALE-ADMIN", "Firm admin", "lead")],
    "U0MEMBER": [(14, "ACME-WEB", "Design", "design"), (14, "ACME-WEB", "Build", "build"),
                 (34, "GLOBEX-BRAND", None, "brand"), (14, "ACME-SUP", None, "support"),
                 (14, "INITECH-PORTAL", "Development", "dev"), (6, "HALE-ADMIN", "Team & training", "team")],
    "U0MEMBER2": [(6, "ACME-WEB", None, "acme-legal"), (34, "GLOBEX-BRAND", None, "brand-legal"),
                  (34, "INITECH-PORTAL", None, "initech-legal"), (10, "ACME-SUP", None, "support-legal"),
                  (16, "HALE-ADMIN", "Team & training", "legal-team")],
    "U0MEMBER3": [(14, "ACME-WEB", "Build", "build"), (44, "INITECH-PORTAL", "Development", "dev"),
                  (16, "INITECH-PORTAL", "QA", "qa"), (16, "ACME-SUP", None, "support"),
                  (8, "HALE-ADMIN", "Team & training", "team")],
    "U0ADMIN": [(70, "HALE-ADMIN", "Firm admin", "office"), (18, "ACME-SUP", None, "triage"),
                (12, "HALE-ADMIN", "Team & training", "ops-team")],
}  # fmt: skip
TIMERS = {"U0PARTNER": 0.2, "U0MEMBER": 0.6, "U0MEMBER2": 0.3, "U0MEMBER3": 0.6, "U0ADMIN": 0.0}
# Each lane's descriptions, ";" between them; "|" adds a work type, or "nb": not billed.
_TEXT = """
design: Homepage wireframes v2|Drafting; Product page layout: mobile breakpoints; Design review with Acme \
marketing|Meeting; Navigation card sort: results and IA|Research; Style guide: colour tokens and type scale; \
Checkout flow mockups, guest path|Drafting; Icon set for category tiles; Accessibility pass on contrast and \
focus states; Hero banner variants for the A/B test; Competitor review: three retail homepages|Research; \
Footer redesign after client feedback; Prototype of the mega menu interactions
build: Fix checkout footer on mobile; Responsive product grid component; Header and navigation components; \
Search suggestions API integration; Cart drawer: quantity updates and totals; Lighthouse performance fixes \
on the homepage; Staging deploy pipeline set-up; Newsletter signup form validation; Cross-browser QA in \
Safari and Firefox; Blog templates moved to the new layout; Lazy-loading fix for category page images; \
Rework of the cart drawer after our own regression|nb; Code review: cart drawer pull request
acme-lead: Client call re: navigation|Meeting; Weekly status call with Acme|Meeting; Sitemap and content \
plan review with Acme marketing|Meeting; Estimate for the store locator change request|Drafting; Design \
sign-off meeting with Acme's CMO|Meeting; Launch plan and cut-over checklist
acme-legal: Privacy policy update for the new checkout|Drafting; Cookie banner wording review; Terms of \
sale: returns clause for the web shop|Drafting
support: Support ticket: password reset emails delayed; Holiday opening hours banner update; Monthly plugin \
and security updates; Investigate 500 error on the order history page; Support call: analytics dashboard \
access|Meeting; Fix broken footer link after CMS update; Replace expiring TLS certificate on staging
support-legal: Review of Acme's updated returns page; Answer Acme's question on email consent
triage: Support inbox triage for Acme; Support ticket: invoice copy requested by Acme accounts
globex-lead: Brand workshop with Globex leadership|Meeting; Feedback call with Globex marketing|Meeting; \
Creative direction review of logo round two; Brand launch plan with Globex PR|Meeting
brand: Logo concepts: round two|Drafting; Moodboards for the packaging direction|Research; Typeface \
licensing comparison|Research; Brand guidelines: logo clear space and misuse; Colour palette tests on print \
proofs; Stationery set: letterhead and business cards; Social media templates for the launch; Logo animation \
for the website intro
brand-legal: Trademark clearance search: EU and UK|Research; Brand licence agreement for Globex \
distributors|Drafting; Font licence terms review|Research; Call with Globex counsel re: trademark \
filing|Meeting
initech-legal: Initech master services agreement review|Drafting; Data processing addendum for portal \
hosting|Drafting; Call with Initech legal re: liability cap|Meeting; SLA schedule: support hours and credits
discovery: Requirements workshop with Initech IT|Meeting; Map the current ticket workflow|Research; \
Stakeholder interviews: Initech support team|Meeting; Discovery findings write-up|Drafting
dev: Customer login with single sign-on; Invoice list: filters and paging; Ticket form: attachment uploads; \
API client for Initech's billing system; Fix session timeout on the dashboard; Code review: single sign-on \
pull request; Database migration for ticket statuses; Email notifications for ticket updates
qa: Regression tests for invoice download; Test plan for the single sign-on rollout|Drafting; Bug bash with \
the Initech support team|Meeting; Accessibility audit of the ticket form
bd: Proposal for the Northwind e-commerce pitch|Drafting; Partner meeting: pipeline review|Meeting; Lunch \
with a prospective client, Contoso|Meeting; Credentials deck update for pitches; Introductory call with \
Fabrikam's CMO|Meeting
lead: Timesheet review and approvals; Hiring: interview for a junior developer|Meeting; Resourcing plan for \
next month
office: Month-end billing run preparation; Chase overdue invoices; Onboarding paperwork for the new hire; \
Update the client contact list; Laptop set-up for the new starter; Insurance renewal paperwork; Reconcile \
expense claims; Vendor invoices and payment run
team: Team retro and planning|Meeting; Knowledge share: accessibility basics|Meeting; Portfolio case study \
write-up|Drafting; Training: TypeScript course module
legal-team: Team retro and planning|Meeting; CPD webinar: data protection update|Research; Precedent bank: \
NDA template update|Drafting; Knowledge share: contract red flags for designers|Meeting
ops-team: Team retro and planning|Meeting; First-aid and fire safety refresher; Office move planning
"""
POOLS = {name: [d.strip() for d in text.split(";")]
         for name, text in (line.split(": ", 1) for line in _TEXT.split("\n") if line)}  # fmt: skip
VAGUE, LEAVE = "Portal fixes", "Annual leave"
SENT_BACK = "Which fixes? Initech reads every line of the invoice: please name them and resubmit."


class AlreadySeeded(UserError):
    def __init__(self) -> None:
        super().__init__("This database already has people: the sandbox is written only into a new one.")


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed` wrote, for the command to say."""

    people: int
    entries: int
    hours: Decimal
    approved: int  # entries approved (prices frozen)
    waiting: int  # entries submitted, awaiting approval
    sent_back: int  # entries rejected, to be made clearer and resubmitted
    drafts: int
    submissions: int
    first_day: date
    last_day: date
    budget_code: str
    budget_percent: Decimal
    queued: int  # outbox messages the sender will deliver (approval requests, alerts, notices)

    def __str__(self) -> str:
        s = self
        return (f"{s.people} people, {s.entries} entries from {s.first_day} to {s.last_day} ({s.hours} h): "
                f"{s.approved} approved, {s.waiting} awaiting approval, {s.sent_back} sent back, "
                f"{s.drafts} drafts; {s.budget_code} at {s.budget_percent} % of its budget")  # fmt: skip


Lane = tuple[int, str, str | None, str]
Action = Callable[..., object]  # called with now=


@dataclass
class _Piece:
    """One entry to be: a span of a person's day, and what it was spent on."""

    who: str
    day: date
    start: datetime
    end: datetime
    timer: bool
    lane: Lane
    text: str = ""
    work_type: str | None = None
    billable: bool | None = None
    logged: datetime | None = None  # when typed in (a manual entry)
    entry_id: int = 0

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass
class _World:
    conn: Connection
    people: dict[str, PersonRow]
    actions: list[tuple[datetime, int, Action]] = field(default_factory=list)
    submissions: dict[tuple[str, int], int] = field(default_factory=dict)  # (who, weeks back): id
    entries: int = 0
    approved: int = 0
    sent_back: int = 0

    def at(self, moment: datetime, action: Action) -> None:
        self.actions.append((moment, len(self.actions), action))


def firm_yaml() -> str:
    return resources.files("bot.sandbox").joinpath("firm.yaml").read_text(encoding="utf-8")


def seed(db: Database, *, now: datetime) -> Seeded:
    """The sandbox's firm and its four weeks before ``now``, into a database without people."""
    try:
        with db.transaction() as conn:
            if setup.person_ids(conn):
                raise AlreadySeeded()
            return _seed(conn, now)
    except BaseException:
        project_index.forget(db.engine)  # it may hold the catalog of the import rolled back
        raise


def _seed(conn: Connection, now: datetime) -> Seeded:
    rng = random.Random(RANDOM_SEED)
    monday = local_date(now, FIRM_TZ)
    monday -= timedelta(days=monday.weekday())  # this week's, in the firm's timezone
    first = monday - timedelta(weeks=WEEKS)
    import_yaml(conn, firm_yaml(), now=_at(first - timedelta(days=4), time(14), FIRM_TZ))
    world = _World(conn, {sid: people.get_or_register(conn, sid, now=now) for sid in LANES})
    workspace = people_store.workspace(conn)
    pieces: list[_Piece] = []
    for sid, person in world.people.items():
        region = region_of(person.country, person.subdivision, workspace.country, workspace.subdivision)
        calendar = Calendar(person.schedule, region, _day_off(world, first) if sid == WAITING else {})
        last = min(local_date(now, person.timezone), monday + timedelta(days=6))
        for day in (first + timedelta(days=i) for i in range((last - first).days + 1)):
            if calendar.expected(day) and (day < monday or sid == DRAFTING):
                pieces += _day(rng, person, day, now)
    _balance(rng, pieces)
    week = (monday - timedelta(weeks=2), monday - timedelta(weeks=1))  # Ada sends a vague entry of it back
    vague = next((p for p in pieces if p.who == REWORKED and p.lane[2] == "Development"
                  and week[0] <= p.day < week[1]), None)  # fmt: skip
    if vague is not None:
        vague.text, vague.work_type, vague.billable = VAGUE, None, None
    _plan_entries(world, pieces)
    _plan_weeks(world, pieces, monday, vague)
    for moment, _, action in sorted(world.actions):  # (moment, order of planning): never the action
        assert moment < now, "the sandbox's history is in the past"
        action(now=moment)
    return _summary(world, pieces, now)


def _at(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone(tz))


def _day_off(world: _World, first: date) -> dict[date, int | None]:
    """Lena's day off, the Wednesday of the third week back, booked on the Monday before."""
    lena, day = world.people[WAITING], first + timedelta(days=9)
    world.at(_at(first, time(10, 5), lena.timezone),
             partial(time_off.take, world.conn, lena, day, day, seconds=None, reason=LEAVE))  # fmt: skip
    return {day: None}


def _day(rng: random.Random, person: PersonRow, day: date, now: datetime) -> list[_Piece]:
    """A working day: 5 to 8 hours (an admin's 4.5 to 6.5) in 2 to 4 spans from the morning on;
    today's only as far as it has gone, each span a timer stopped when it ended."""
    quarters = rng.randint(18, 26) if person.slack_id == ADMIN else rng.randint(20, 32)
    lengths: list[int] = []
    while not lengths or max(lengths) > 18:  # no span past 4.5 h
        cuts = sorted(rng.sample(range(2, quarters - 1, 2), rng.choice((2, 3, 3, 4, 4)) - 1))
        lengths = [b - a for a, b in zip([0, *cuts], [*cuts, quarters], strict=True)]
    cursor = _at(day, time(8, 30), person.timezone) + timedelta(minutes=rng.randrange(0, 60, 5))
    lunch, lanes, today = False, LANES[person.slack_id], day == local_date(now, person.timezone)
    out = []
    for length in lengths:
        start, end = cursor, cursor + timedelta(minutes=15 * length)
        timer = today or rng.random() < TIMERS[person.slack_id]
        if timer:  # a person's clicks are never on the minute
            start += timedelta(seconds=rng.randint(0, 180))
            end += timedelta(seconds=rng.randint(-90, 150))
        if today and end > now - timedelta(minutes=5):  # switched off a few minutes ago, if worth keeping
            end = now - timedelta(minutes=rng.randint(5, 12), seconds=rng.randint(0, 59))
            if end - start < timedelta(minutes=15):
                break
        lane = rng.choices(lanes, [w for w, *_ in lanes])[0]
        out.append(_Piece(person.slack_id, day, start, end, timer, lane))
        cursor = end + timedelta(minutes=rng.randrange(0, 20, 5))
        if not lunch and cursor.astimezone(zone(person.timezone)).hour >= 12:
            lunch, cursor = True, cursor + timedelta(minutes=rng.randrange(30, 65, 5))
    logged = cursor + timedelta(minutes=rng.randint(4, 40))  # what was not timed, typed in at the day's end
    used: set[str] = set()
    for piece in out:
        _describe(rng, piece, used)
        piece.logged = None if piece.timer else logged + timedelta(seconds=len(used))
    return out


def _describe(rng: random.Random, piece: _Piece, used: set[str]) -> None:
    """A description from the lane's pool that the person's day has not used yet; no meeting
    past two hours, no "nb" one for a timer (its time is billed as its project says)."""
    pool = [d for d in POOLS[piece.lane[3]] if not (piece.timer and d.endswith("|nb"))]
    pool = [d for d in pool if not (piece.seconds > 2 * 3600 and d.endswith("|Meeting"))] or pool
    text, _, mark = rng.choice([d for d in pool if d.split("|")[0] not in used] or pool).partition("|")
    piece.text, piece.work_type = text, mark if mark and mark != "nb" else None
    piece.billable = False if mark == "nb" else None
    used.add(text)


def _balance(rng: random.Random, pieces: list[_Piece]) -> None:
    """Move spans onto or off ACME-WEB until it is within BUDGET_RANGE, and from Design to
    Build past DESIGN_CAP, each person keeping to their own lanes."""
    lo, hi = BUDGET_RANGE
    order = rng.sample(pieces, len(pieces))

    def total(task: str | None = None) -> int:
        return sum(p.seconds for p in pieces if p.lane[1] == BUDGETED and task in (None, p.lane[2]))

    def lanes(who: str, onto: bool) -> list[Lane]:
        return [lane for lane in LANES[who] if (lane[1] == BUDGETED) == onto and lane[2] != "Design"]

    def move(piece: _Piece, onto: bool) -> None:
        piece.lane = rng.choice(lanes(piece.who, onto))
        _describe(rng, piece, {p.text for p in pieces if p.who == piece.who and p.day == piece.day})

    for piece in order:
        if total() > hi and piece.lane[1] == BUDGETED and piece.seconds <= total() - lo:
            move(piece, onto=False)
    for piece in order:
        fits = piece.lane[1] != BUDGETED and lanes(piece.who, True) and piece.seconds <= hi - total()
        if total() < lo and fits:
            move(piece, onto=True)
    for piece in order:
        if total("Design") > DESIGN_CAP and piece.lane[2] == "Design":
            move(piece, onto=True)  # Build: Design's only budgeted neighbour in Max's lanes
    assert lo <= total() <= hi and total("Design") <= DESIGN_CAP, "the budget's story holds"


def _plan_entries(world: _World, pieces: list[_Piece]) -> None:
    """Each span as the person made it: a timer started and stopped, or logged by hand at the
    day's end; ACME-WEB's budgets evaluated after each change, as their consumer does."""
    index = project_index.current(world.conn)
    work_types = {w.name: w.id for w in catalog.work_types(world.conn)}
    projects = {p.code: p for p in index.projects}
    for piece in pieces:
        person, project = world.people[piece.who], projects[piece.lane[1]]
        task = index.task_named(project.id, piece.lane[2]) if piece.lane[2] else None
        draft = entries.Draft(project.id, piece.day, piece.seconds, task_id=task.id if task else None,
                              work_type_id=work_types.get(piece.work_type or ""), description=piece.text,
                              billable=piece.billable)  # fmt: skip
        if piece.timer:
            world.at(piece.start, partial(timers.start, world.conn, person, project_id=draft.project_id,
                                          task_id=draft.task_id, work_type_id=draft.work_type_id,
                                          description=draft.description))  # fmt: skip
            save = partial(timers.stop, world.conn, person)
        else:
            save = partial(entries.create, world.conn, person, draft)
        world.at(piece.end if piece.timer else piece.logged or piece.end, partial(_saved, world, piece, save))


def _saved(world: _World, piece: _Piece, save: Callable[..., entries.Saved], now: datetime) -> None:
    saved = save(now=now)
    piece.entry_id, world.entries = saved.entry.id, world.entries + 1
    if saved.project.code == BUDGETED:
        budgets.evaluate(world.conn, now, [saved.project.id])


def _plan_weeks(world: _World, pieces: list[_Piece], monday: date, vague: _Piece | None) -> None:
    """Everyone submits each week before this one on its last working evening; the weeks before
    last are approved the Monday after by Ada (Ada's own by Sam, the admin) but for Dana's vague
    entry, sent back. Lena's last week waits for Ada; the others' last weeks are drafts."""
    ada, sam = world.people[APPROVER], world.people[ADMIN]
    for back in range(WEEKS, 0, -1):
        first = monday - timedelta(weeks=back)
        after = first + timedelta(weeks=1)
        for order, (sid, person) in enumerate(world.people.items()):
            mine = [p for p in pieces if p.who == sid and first <= p.day < after]
            if not mine or (back == 1 and sid != WAITING):
                continue
            done = max(p.logged or p.end for p in mine) + timedelta(minutes=7 + 3 * order)
            world.at(done, partial(_submit, world, person, first, (sid, back)))
            if back == 1:
                continue
            approver = sam if sid == APPROVER else ada
            decided = _at(after, time(9, 30), approver.timezone) + timedelta(minutes=4 * order)
            if vague is not None and vague in mine:
                world.at(decided - timedelta(minutes=1), partial(_send_back, world, (sid, back), vague))
            world.at(decided, partial(_approve, world, (sid, back), approver))


def _submit(world: _World, person: PersonRow, first: date, key: tuple[str, int], now: datetime) -> None:
    result = approvals.submit(world.conn, person, first=first, last=first + timedelta(days=6), now=now)
    assert not result.held_back and len(result.sent) == 1, "one approver, nothing held back"
    world.submissions[key] = result.sent[0].submission_id


def _send_back(world: _World, key: tuple[str, int], piece: _Piece, now: datetime) -> None:
    approvals.decide_entry(world.conn, world.submissions[key], piece.entry_id, world.people[APPROVER],
                           approve=False, now=now, reason=SENT_BACK)  # fmt: skip
    world.sent_back += 1


def _approve(world: _World, key: tuple[str, int], approver: PersonRow, now: datetime) -> None:
    decision = approvals.decide(world.conn, world.submissions[key], approver, approve=True, now=now)
    world.approved += decision.entries


def _summary(world: _World, pieces: list[_Piece], now: datetime) -> Seeded:
    conn, days = world.conn, [p.day for p in pieces]
    budgeted = next(p for p in project_index.current(conn).projects if p.code == BUDGETED)
    percent = budgets.consumption(conn, budgeted.id, now)[0].percent.quantize(Decimal("0.1"))
    waiting = sum(w.entries for w in approvals.waiting_for(conn, world.people[APPROVER]))
    hours = (Decimal(sum(p.seconds for p in pieces)) / 3600).quantize(Decimal("0.01"))
    drafts = world.entries - world.approved - waiting - world.sent_back
    return Seeded(len(world.people), world.entries, hours, world.approved, waiting, world.sent_back, drafts,
                  len(world.submissions), min(days), max(days), BUDGETED, percent,
                  outbox.counts(conn).get("pending", 0))  # fmt: skip
