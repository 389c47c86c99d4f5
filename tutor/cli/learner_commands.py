"""``tutor keys …`` and ``tutor fit``: accounts and the learner model's parameters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from tutor.cli.app import app
from tutor.cli.corpus_commands import JsonFlag
from tutor.cli.output import console, err_console, print_json
from tutor.config import get_settings
from tutor.corpus import load_corpus
from tutor.store import (
    ApiKeyRecord,
    Role,
    issue_key,
    list_api_keys,
    open_database,
    reset_local_mode,
    revoke_api_key,
)

keys_app = typer.Typer(help="Create and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="learner, teacher or admin.")],
    learner: Annotated[
        str | None,
        typer.Option(help="The learner a learner key belongs to [default: a new learner]."),
    ] = None,
    name: Annotated[str, typer.Option(help="A name for a new learner.")] = "",
    label: Annotated[str, typer.Option(help="A note to recognise the key by.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    with open_database(get_settings()) as database:
        issued = issue_key(database, role, learner_id=learner, learner_name=name, label=label)
    record = issued.record
    if as_json:
        print_json(
            {
                "key": issued.secret,
                "id": record.id,
                "role": record.role.value,
                "learner_id": record.learner_id,
                "label": record.label,
            }
        )
        return
    console.print(issued.secret, highlight=False, soft_wrap=True)
    who = f" for learner {record.learner_id}" if record.learner_id else ""
    err_console.print(
        f"{record.role.value} key {record.id}{who}; store it now, it is not shown again"
    )


def _key_json(record: ApiKeyRecord) -> dict[str, object]:
    when = record.created_at.isoformat()
    return {**asdict(record), "role": record.role.value, "created_at": when}


@keys_app.command("list")
def keys_list(as_json: JsonFlag = False) -> None:
    """Every key, revoked ones too (secrets are never stored, so never shown)."""
    with open_database(get_settings()) as database:
        found = list_api_keys(database)
    if as_json:
        print_json([_key_json(r) for r in found])
        return
    table = Table("id", "starts with", "role", "learner", "label", "created", "state")
    for r in found:
        table.add_row(
            r.id, r.prefix + "…", r.role.value, r.learner_id or "", r.label,
            f"{r.created_at:%Y-%m-%d %H:%M}", "revoked" if r.revoked else "live",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (not the secret).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a key; requests with it are refused from now on."""
    with open_database(get_settings()) as database:
        record = revoke_api_key(database, key_id)
    if as_json:
        print_json(_key_json(record))
        return
    console.print(f"revoked {record.role.value} key {record.id}")


@keys_app.command("reset-local")
def keys_reset_local(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Revoke every key and go back to keyless single-user local mode (this machine only).

    Revoking keys never does this by itself; the last admin key cannot be revoked."""
    if not yes:
        typer.confirm(
            "Revoke every API key and reopen keyless local mode for this machine?", abort=True
        )
    with open_database(get_settings()) as database:
        revoked = reset_local_mode(database)
    if as_json:
        print_json({"revoked": len(revoked), "local_mode": True})
        return
    console.print(f"revoked {len(revoked)} keys; the service runs in single-user local mode")


@app.command("fit")
def fit(
    min_observations: Annotated[
        int, typer.Option(help="Fit only concepts with at least this many graded attempts.")
    ] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Fit knowledge-tracing parameters per concept from logged attempts (EM), and store them."""
    from tutor.learners import fit_params
    from tutor.variants.practice import practice_corpus

    settings = get_settings()
    with open_database(settings) as database:
        corpus = practice_corpus(load_corpus(settings.corpus_dir), database)
        fits = fit_params(database, corpus, min_observations=min_observations)
    rows = {
        concept: {
            **asdict(f.params),
            "sequences": f.sequences,
            "observations": f.observations,
            "log_likelihood": f.log_likelihood,
        }
        for concept, f in fits.items()
    }
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"no concept has {min_observations} graded attempts yet; defaults stay")
        return
    table = Table("concept", "prior", "learn", "guess", "slip", "attempts", title="fitted BKT")
    for concept, row in rows.items():
        table.add_row(
            concept,
            *(f"{row[k]:.3f}" for k in ("prior", "learn", "guess", "slip")),
            str(row["observations"]),
        )
    console.print(table)
