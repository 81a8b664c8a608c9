"""A share link opened in headless Chromium, served by a real ``punchcard serve``: the figures
are the database's, no rate or cost is anywhere in the DOM, a revoked link is a 404. The
screenshots (phone and desktop widths) are saved to be looked at."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, select

from bot.services import sharing
from bot.services.freeze import freeze
from storage.db import Database, make_engine
from storage.models import EntryStatus, Person, Project, Task, TimeEntry, WorkType
from tests.browser import DESKTOP, PHONE, browser, screenshot
from tests.processes import PUNCHCARD, Serve, environment

__all__ = ["browser"]

FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
firm: {name: Hale & Partners LLP}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 431}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 173}
  - {slack_id: U0OTHER, name: Olga Other, role: member, timezone: UTC, rate: 173}
clients:
  - name: Acme Corp
    projects:
      - {name: Website Redesign, code: ACME-WEB, rate: 287, budget_hours: 40,
         tasks: [{name: Design, rate: 313}, {name: Build}, {name: Launch}]}
      - {name: Annual Audit, code: ACME-AUD, rate: 199, budget_hours: 12, budget_period: monthly}
  - name: Globex
    projects: [{name: Secret Merger, code: GLOBEX-M, rate: 977}]
work_types: [Research, Drafting, Meeting]
"""
WORDS = ["Wireframes for the pricing page", "Call with the client's marketing lead about the launch",
         "Template build and QA", "Ledger review", "Fixed the footer on mobile", "Drafted the audit letter"]  # fmt: skip


def seed(url: str, today: date) -> dict[str, Decimal]:
    """A month of entries in every state; the totals the page must show."""
    db = Database(make_engine(url))
    now = datetime.now(UTC)
    with db.transaction() as conn:
        people = list(conn.scalars(select(Person.id).where(Person.slack_id.in_(["U0MEMBER", "U0OTHER"]))))
        projects = {code: pid for code, pid in conn.execute(select(Project.code, Project.id))}
        tasks = list(conn.execute(select(Task.id, Task.project_id)))
        types = list(conn.scalars(select(WorkType.id)))
        rows, statuses = (
            [],
            [EntryStatus.APPROVED, EntryStatus.SUBMITTED, EntryStatus.DRAFT, EntryStatus.REJECTED],
        )
        for i in range(60):
            code = ["ACME-WEB", "ACME-AUD", "GLOBEX-M"][i % 3]
            task = next((t for t, p in tasks if p == projects[code] and (t + i) % 2), None)
            rows.append({"person_id": people[i % 2], "project_id": projects[code], "task_id": task,
                         "work_type_id": types[i % 3] if i % 4 else None,
                         "date": max(today.replace(day=1), today - timedelta(days=i % 20)),
                         "description": WORDS[i % len(WORDS)] + f" ({i})", "duration_seconds": 1260 + 900 * (i % 5),
                         "billable": i % 7 != 6, "status": EntryStatus.SUBMITTED, "created_at": now,
                         "updated_at": now, "_status": statuses[i % 4]})  # fmt: skip
        ids = list(conn.scalars(insert(TimeEntry).returning(TimeEntry.id), [
            {k: v for k, v in r.items() if k != "_status"} for r in rows]))  # fmt: skip
        freeze(conn, [e for e, r in zip(ids, rows, strict=True) if r["_status"] == EntryStatus.APPROVED],
               status=EntryStatus.APPROVED, now=now)  # fmt: skip
        for entry_id, row in zip(ids, rows, strict=True):
            if row["_status"] in (EntryStatus.DRAFT, EntryStatus.REJECTED):
                conn.execute(TimeEntry.__table__.update().where(TimeEntry.id == entry_id)
                             .values(status=row["_status"]))  # fmt: skip
        acme = select(Project.id).where(Project.code.like("ACME-%")).scalar_subquery()
        approved = case((TimeEntry.status == EntryStatus.APPROVED, TimeEntry.billed_seconds), else_=0)
        awaiting = case((TimeEntry.status == EntryStatus.SUBMITTED, TimeEntry.duration_seconds), else_=0)
        got = conn.execute(select(func.sum(approved), func.sum(awaiting)).where(
            TimeEntry.project_id.in_(acme), TimeEntry.billable, TimeEntry.date >= today.replace(day=1),
            TimeEntry.date <= today)).one()  # fmt: skip
    db.engine.dispose()
    hours = lambda s: (Decimal(int(s or 0)) / 3600).quantize(Decimal("0.01"))  # noqa: E731
    return {"approved": hours(got[0]), "awaiting": hours(got[1])}


def make_link(url: str, *, descriptions: bool) -> str:
    db = Database(make_engine(url))
    with db.transaction() as conn:
        token = sharing.create(
            conn, "cli", client="Acme", descriptions=descriptions, now=datetime.now(UTC)
        ).token
    db.engine.dispose()
    return token


def revoke(url: str, token: str) -> None:
    db = Database(make_engine(url))
    with db.transaction() as conn:
        sharing.revoke(conn, "cli", token=token, now=datetime.now(UTC))
    db.engine.dispose()


def test_a_share_link_in_chromium_shows_the_databases_figures_and_nothing_internal(
    browser: Any, fake_slack: Any, empty_database_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    env = environment(fake_slack, empty_database_url)
    (tmp_path / "firm.yaml").write_text(FIRM)
    subprocess.run(
        [*PUNCHCARD, "import", "firm.yaml"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    today = datetime.now(UTC).date()
    expected = seed(empty_database_url, today)
    token = make_link(empty_database_url, descriptions=True)
    database = "postgres" if empty_database_url.startswith("postgresql") else "sqlite"
    serve = Serve(env, tmp_path)
    try:
        browser.get(f"{serve.url}/r/{token}")
        shown = {key: Decimal(browser.find_element(By.ID, key).text) for key in ("approved", "awaiting")}
        assert shown == expected and expected["approved"] > 0 and expected["awaiting"] > 0
        rows = browser.find_elements(By.CSS_SELECTOR, "#entries tbody tr")
        assert rows and all("GLOBEX" not in r.text and "Secret" not in r.text for r in rows)
        dom = browser.execute_script("return document.documentElement.outerHTML")
        text = browser.find_element(By.TAG_NAME, "body").text
        for internal in ("431", "173", "287", "313", "199", "977", "$", "USD"):
            assert internal not in text, internal
        content = dom.split("</style>", 1)[1].lower()  # the page's words and markup, its style aside
        for word in ("rate", "cost", "margin", "amount", "globex", "secret"):
            assert word not in content, word
        assert browser.execute_script("return document.querySelectorAll('script, img, link').length") == 0
        screenshot(browser, f"share-page-{database}-phone", PHONE)
        screenshot(browser, f"share-page-{database}-desktop", DESKTOP)
        revoke(empty_database_url, token)
        browser.get(f"{serve.url}/r/{token}")
        assert (
            browser.title == "Not found"
            and "does not exist, has expired, or was withdrawn" in browser.page_source
        )
    finally:
        serve.stop()
