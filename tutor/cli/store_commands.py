"""``tutor migrate``: the learner store's schema, as a one-shot job before the replicas start."""

from __future__ import annotations

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, print_json
from tutor.config import get_settings
from tutor.store import Database, current_revision, head_revision, upgrade_to_head


@app.command("migrate")
def migrate(as_json: JsonFlag = False) -> None:
    """Bring the learner store (TUTOR_DATABASE_URL, else SQLite in the data dir) to the newest
    schema. Safe to run from several processes at once: the others wait, then find nothing to
    do. `tutor serve` also migrates at start."""
    with Database.from_settings(get_settings()) as database:
        before = current_revision(database)
        upgrade_to_head(database)
        after = current_revision(database)
    if as_json:
        print_json({"from": before, "to": after, "head": head_revision()})
    elif before == after:
        console.print(f"database already at revision {after}")
    else:
        console.print(f"database migrated from revision {before or 'empty'} to {after}")
