"""``punchcard share``: make a client's share link (printed once: only its hash is kept),
revoke one by its token or URL, or list them."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services import sharing
from bot.services.clock import utcnow
from bot.views import ops as views

LOCAL = "http://localhost:3000"  # where serve listens by default, when PUNCHCARD_BASE_URL is unset


def share(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    now = utcnow()
    if args.revoke:
        with db.transaction() as conn:
            link = sharing.revoke(conn, sharing.CLI, token=args.revoke, now=now)
        print(f"Revoked the link {link.hint}… to {link.client}'s hours; it now answers 404.")
        return 0
    if args.list:
        with db.transaction(read_only=True) as conn:
            found = sharing.links(conn, sharing.CLI, client=args.client)
            today = sharing.today(conn, now)
        print(views.share_links_table(found, today))
        return 0
    if not args.client:
        raise UserError(
            "which client? `punchcard share --client NAME [--project CODE] [--expires YYYY-MM-DD] "
            "[--descriptions]`, `--revoke TOKEN_OR_URL` or `--list`"
        )
    with db.transaction() as conn:
        created = sharing.create(
            conn,
            sharing.CLI,
            client=args.client,
            project=args.project,
            expires=args.expires,
            descriptions=args.descriptions,
            now=now,
        )
    print(sharing.url(settings.base_url or LOCAL, created.token))
    scope = created.link.project or "all projects"
    until = f", until {created.link.expires_on}" if created.link.expires_on else ""
    extra = ", with entry descriptions" if created.link.descriptions else ""
    print(f"{created.link.client}: {scope}{until}{extra}. Shown once: copy it now.", file=sys.stderr)
    if not settings.base_url:
        print(
            f"PUNCHCARD_BASE_URL is not set: the link above points at {LOCAL}; set it to the address "
            "clients reach `punchcard serve` at.",
            file=sys.stderr,
        )
    return 0
