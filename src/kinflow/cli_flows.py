"""`kinflow flows ...`: flows from the command line, on the database of KINFLOW_DATABASE_URL (or the data
folder), as their owner (`--owner`, the Administrator by default)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from kinflow.digits import is_digits

console = Console(highlight=False)
_STATUS_COLOURS = {"Succeeded": "green", "Failed": "red", "Cancelled": "yellow", "Skipped": "dim",
                   "TimedOut": "red", "Running": "cyan", "Waiting": "cyan"}
OWNER = click.option("--owner", default="Administrator", show_default=True, help="The login the flow belongs to.")


def _write(action):  # noqa: ANN001, ANN202
    from kinflow.cli import _directory_write

    return _directory_write(action)


def _subscribe(flow_id: int) -> None:
    """Subscribe (or unsubscribe) the flow's connector webhook trigger, as the API does."""
    from kinflow.config import load_settings
    from kinflow.errors import KintoneError
    from kinflow.flows import subscriptions
    from kinflow.storage.database import Database

    settings = load_settings()
    db = Database(settings.url)
    try:
        subscription = subscriptions.sync(db, settings, flow_id)
    except KintoneError as error:
        raise click.ClickException(f"{error.message} The flow is disabled.") from None
    finally:
        db.dispose()
    if subscription:
        console.print(f"Its trigger is subscribed: {subscription['location']}")


def _flow(conn, owner: str, flow: str):  # noqa: ANN001, ANN202
    """A flow named by its id or its name."""
    import sqlalchemy as sa

    from kinflow.flows import manage
    from kinflow.flows.tables import flows as table

    if not is_digits(flow):
        found = conn.execute(sa.select(table.c.id).where(table.c.owner == owner, table.c.name == flow)).scalar()
        if found is None:
            raise manage.flow_not_found(flow)
        flow = str(found)
    return manage.get_flow(conn, owner, flow, admin=True)


def _coloured(status: str) -> str:
    return f"[{_STATUS_COLOURS.get(status, 'white')}]{status}[/]"


@click.group()
def flows() -> None:
    """Flows: automations in the Workflow Definition Language, and their runs."""


@flows.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="The flow's name (default: the file's name without .json).")
@click.option("--disabled", is_flag=True, default=False, help="Deploy it disabled.")
@OWNER
def flows_deploy(file: Path, name: str | None, disabled: bool, owner: str) -> None:
    """Deploy the definition in FILE (a new version when the flow exists)."""
    from kinflow.flows import manage

    try:
        document = json.loads(file.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file}: not a JSON file ({error})") from None
    state = manage.DISABLED if disabled else manage.ENABLED
    flow, created = _write(lambda conn: manage.deploy(conn, owner, name or file.stem, document, state))
    console.print(f"[green]{'Created' if created else 'Deployed'}[/green] flow {flow.id} {flow.name!r} "
                  f"version {flow.version} ({flow.state})")
    _subscribe(flow.id)


@flows.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--connection", "chosen", multiple=True, metavar="REF=CONNECTION",
              help="Map the connection reference REF to CONNECTION (one of the owner's connections, by id or "
                   "name). A reference not named gets the owner's only connection of its connector.")
@click.option("--disabled", is_flag=True, default=False, help="Import them disabled.")
@OWNER
def flows_import(file: Path, chosen: tuple[str, ...], disabled: bool, owner: str) -> None:
    """Import the flows of FILE: a definition, a flow's export package from Power Automate (.zip) or a
    solution (.zip), each under its display name, its connection references mapped to the owner's
    connections."""
    from kinflow.flows import importing, manage

    mapping = {}
    for pair in chosen:
        reference, sign, connection = pair.partition("=")
        if not sign or not reference or not connection:
            raise click.BadParameter(f"{pair!r}: write REF=CONNECTION.", param_hint="--connection")
        mapping[reference] = connection
    if file.stat().st_size > importing.MAX_PACKAGE:
        raise click.ClickException(f"{file} is over {importing.MAX_PACKAGE // (1024 * 1024)} MB.")
    data = file.read_bytes()
    state = manage.DISABLED if disabled else manage.ENABLED
    imported = _write(lambda conn: importing.import_flows(conn, owner, data, str(file), mapping, state))
    for flow, created in imported:
        console.print(f"[green]{'Imported' if created else 'Deployed'}[/green] flow {flow.id} {flow.name!r} "
                      f"version {flow.version} ({flow.state})")
        _subscribe(flow.id)


@flows.command("list")
@OWNER
@click.option("--all", "every", is_flag=True, default=False, help="Every owner's flows.")
def flows_list(owner: str, every: bool) -> None:
    """List flows: id, name, owner, state, version, trigger (tab-separated)."""
    from kinflow.flows import manage

    for flow in _write(lambda conn: manage.list_flows(conn, owner, admin=every, limit=10_000)):
        click.echo("\t".join([str(flow.id), flow.name, flow.owner, flow.state, str(flow.version), flow.trigger_type]))


def _set_state(flow: str, owner: str, state: str) -> None:
    from kinflow.flows import manage

    changed = _write(lambda conn: manage.set_state(conn, _flow(conn, owner, flow), state))
    console.print(f"Flow {changed.id} {changed.name!r} is {changed.state}")
    _subscribe(changed.id)


@flows.command("enable")
@click.argument("flow")
@OWNER
def flows_enable(flow: str, owner: str) -> None:
    """Enable FLOW (its id or name)."""
    _set_state(flow, owner, "Enabled")


@flows.command("disable")
@click.argument("flow")
@OWNER
def flows_disable(flow: str, owner: str) -> None:
    """Disable FLOW (its id or name): its trigger starts no run."""
    _set_state(flow, owner, "Disabled")


@flows.command("runs")
@click.argument("flow")
@OWNER
@click.option("--status", default=None, help="Only runs of this status (Succeeded, Failed, Running...).")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
def flows_runs(flow: str, owner: str, status: str | None, limit: int) -> None:
    """The latest runs of FLOW, newest first."""
    from kinflow.flows import runs

    found = _write(lambda conn: runs.list_runs(conn, _flow(conn, owner, flow), status=status, offset=0, limit=limit))
    table = Table("Run", "Status", "Started", "Duration", "Error")
    for run in found:
        duration = f"{run['durationMs']:.0f} ms" if run["durationMs"] is not None else ""
        table.add_row(run["id"], _coloured(run["status"]), run["startTime"] or run["createdAt"], duration,
                      (run["error"] or {}).get("message", ""))
    console.print(table)


@flows.command("show-run")
@click.argument("flow")
@click.argument("run")
@OWNER
@click.option("--json", "as_json", is_flag=True, default=False, help="The whole run as JSON.")
def flows_show_run(flow: str, run: str, owner: str, as_json: bool) -> None:
    """RUN of FLOW: each action's status, attempts, duration and error (inputs and outputs with --json)."""
    from kinflow.flows import runs

    shown = _write(lambda conn: runs.get_run(conn, _flow(conn, owner, flow), run))
    if as_json:
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return
    console.print(f"Run {shown['id']}: {_coloured(shown['status'])}, tracking id {shown['clientTrackingId']}")
    if shown["error"]:
        console.print(f"  {shown['error'].get('code')}: {shown['error'].get('message')}")
    table = Table("Action", "Repetition", "Status", "Attempts", "Duration", "Error")
    for action in shown["actions"]:
        duration = f"{action['durationMs']:.0f} ms" if action["durationMs"] is not None else ""
        error = action["error"] or {}
        table.add_row(action["name"], action["repetition"] or "", _coloured(action["status"]), str(action["attempts"]),
                      duration, f"{error.get('code', '')}: {error.get('message', '')}" if error else "")
    console.print(table)


@flows.command("resubmit")
@click.argument("flow")
@click.argument("run")
@OWNER
def flows_resubmit(flow: str, run: str, owner: str) -> None:
    """Start a new run of FLOW from the trigger outputs of RUN."""
    from kinflow.flows import runs

    started = _write(lambda conn: runs.resubmit(conn, _flow(conn, owner, flow), run))
    console.print(f"Started run {started}")
