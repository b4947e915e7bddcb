"""Operator commands that need no Discord: delete or export everything stored about one user.

    musicgenius-admin forget 123456789012345678 [--db URL]
    musicgenius-admin export 123456789012345678 [--db URL] [--out data.json]
    musicgenius-admin acceptance [--days 28] [--db URL]

The database is ``--db``, else ``MUSICGENIUS_DB`` (environment or ``.env``), else ``musicgenius.sqlite3``: the
bot's. It is printed with its password hidden. Exit status: 0 done, 1 the database did not answer in time,
2 bad input (not a Discord user id, a database URL that does not open).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from dotenv import load_dotenv

from studio.store.base import DAY, Acceptance, Store, StoreUnavailable, open_store
from studio.store.redact import redact

DEFAULT_DB = "musicgenius.sqlite3"
MAX_ID = 2**63 - 1  # Discord ids are 64-bit; the store keeps them as signed BIGINT
RUNNING_BOT = ("note: a running bot keeps what it learned of this user's taste in memory until it restarts; "
               "restart it (or have the user run /forget) to drop that too.")


class BadInput(ValueError):
    """Input the operator must correct (exit status 2)."""


def user_id(text: str) -> int:
    """A Discord user id from the command line (BadInput unless it is one)."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise BadInput(f"{text!r} is not a Discord user id: give the number, e.g. 123456789012345678 "
                       "(Discord: Developer Mode, then right-click the user, Copy User ID).")
    return int(text)


async def forget(store: Store, user: int) -> None:
    f = await store.forget_user(user)
    quiz = f", {f.quiz_answers} quiz answers, {f.quiz_scores} quiz score" if f.quiz_answers or f.quiz_scores else ""
    print(f"deleted for user {user}: {f.generations} generations, {f.feedback_given} feedback given, "
          f"{f.feedback_received} feedback by others on their melodies, {f.preferences} preferences{quiz} "
          f"({f.rows} rows)")
    if f.more_like_kept:
        print(f"kept: {f.more_like_kept} 'More like' replies other users made from this user's melodies (theirs)")
    print(RUNNING_BOT)


async def export(store: Store, user: int, out: Path | None) -> None:
    from studio.taste.service import Taste  # the taste model: heavier imports, only for export

    data = await Taste(store).export(user)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n")
    counts = ", ".join(f"{len(data[name])} {name.replace('_', ' ')}" for name in
                       ("generations", "feedback_given", "feedback_on_your_melodies", "preferences", "quiz_answers"))
    print(f"exported user {user}: {counts}{f' to {out}' if out else ''}", file=sys.stderr)


async def acceptance(store: Store, days: int) -> None:
    """Melody candidates shown and taken (pick, More like, 👍 reply) per week and per user, newest week last."""
    now = store.clock()
    print("week ending   shown  taken  rate")
    total = Acceptance()
    for week in range(-(-days // 7) - 1, -1, -1):
        rows = (await store.acceptance(now - (week + 1) * 7 * DAY, now - week * 7 * DAY + 1)).values()
        a = sum(rows, Acceptance())
        total += a
        ending = time.strftime("%Y-%m-%d", time.gmtime(now - week * 7 * DAY))
        print(f"{ending}  {a.shown:>6} {a.accepted:>6}  {_percent(a)}")
    print(f"all         {total.shown:>6} {total.accepted:>6}  {_percent(total)}")
    print("\nuser                  shown  taken  rate")
    per_user = await store.acceptance(now - days * DAY, now + 1)
    for user, a in sorted(per_user.items(), key=lambda item: -item[1].shown):
        print(f"{user:<20} {a.shown:>6} {a.accepted:>6}  {_percent(a)}")


def _percent(a: Acceptance) -> str:
    return "   –" if a.rate is None else f"{a.rate:4.0%}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musicgenius-admin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("forget", "delete everything stored about a user, printing counts"),
                            ("export", "everything stored about a user, as JSON")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("user", help="the Discord user id (a number)")
        command.add_argument("--db", default=None, help=f"database URL or SQLite path (default: $MUSICGENIUS_DB, "
                                                        f"else {DEFAULT_DB})")
        if name == "export":
            command.add_argument("--out", type=Path, default=None, help="write the JSON here (default: stdout)")
    rates = commands.add_parser("acceptance", help="melody candidates shown and taken, by week and by user")
    rates.add_argument("--days", type=int, default=28, help="how far back (default 28)")
    rates.add_argument("--db", default=None, help=f"database URL or SQLite path (default: $MUSICGENIUS_DB, "
                                                  f"else {DEFAULT_DB})")
    return parser


async def run(args: argparse.Namespace) -> None:
    user = user_id(args.user) if args.command != "acceptance" else 0
    if args.command == "acceptance" and not 1 <= args.days <= 3660:
        raise BadInput(f"--days must be from 1 to 3660, not {args.days}: e.g. --days 28.")
    db = args.db or os.environ.get("MUSICGENIUS_DB", "").strip() or DEFAULT_DB
    print(f"database: {redact(db, db)}", file=sys.stderr)
    try:
        store = await open_store(db)
    except ValueError as exc:  # its message is free of the password
        raise BadInput(str(exc)) from None
    try:
        if args.command == "acceptance":
            await acceptance(store, args.days)
        else:
            await (forget(store, user) if args.command == "forget" else export(store, user, args.out))
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_dotenv(".env", override=False)
    try:
        asyncio.run(run(args))
    except StoreUnavailable as exc:
        print(f"error: {exc}. Try again when the database answers.", file=sys.stderr)
        return 1
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
