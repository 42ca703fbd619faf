"""The `kinflow` command: the only module that knows about the command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console

from kinflow import __version__
from kinflow.config import load_settings

console = Console(soft_wrap=True)


@click.group()
@click.version_option(__version__, prog_name="kinflow", message="%(prog)s %(version)s")
def main() -> None:
    """kinflow: business apps (kintone-compatible API) on SQLite or PostgreSQL."""
    # What kinflow creates (the data folder, database files with their -wal and -shm, the key file)
    # is for the user running it only.
    os.umask(0o077)


def _secret_key(settings, *, create: bool = False):  # noqa: ANN001, ANN202
    """The settings' secret key, the key file written first if `create` and there is no key yet."""
    from kinflow.secret_key import SecretKeyError, create_key_file, key_file

    if create and not settings.secret_key and not key_file(settings.data_dir).exists():
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        console.print(f"Created the secret key {create_key_file(settings.data_dir)}: keep it with the backups")
    try:
        return settings.keys
    except SecretKeyError as error:
        raise SystemExit(f"kinflow: {error}") from None


def _fail(message: str) -> NoReturn:
    """One clear line on stderr and exit status 1, instead of a traceback."""
    click.echo(f"kinflow: {message}", err=True)
    raise SystemExit(1)


def _shown_url(settings) -> str:  # noqa: ANN001
    from kinflow.logs import masked_url

    return masked_url(settings.url)


def _prepare(settings, report_new: bool = False):  # noqa: ANN001, ANN202
    from sqlalchemy.exc import SQLAlchemyError

    from kinflow.storage.database import Database
    from kinflow.storage.migrate import has_schema, holds_protected_secrets, upgrade

    try:
        db = Database(settings.url)
        new = not has_schema(db)
        # A new key for a database whose tokens and secrets an old one protects would lock them away
        # for good: only a database that has none yet gets a key made for it.
        key = _secret_key(settings, create=not holds_protected_secrets(db))
        upgrade(db, key)
    except (OSError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"cannot use the database {_shown_url(settings)}: {reason}")
    if report_new and new:
        console.print(f"[green]Created the database[/green] {_shown_url(settings)}")
    return db


@main.command()
def migrate() -> None:
    """Bring the database to the newest schema, creating it when new."""
    settings = load_settings()
    _prepare(settings, report_new=True).dispose()
    console.print(f"[green]Database is up to date[/green] ({_shown_url(settings)})")


@main.command()
@click.option("--host", default=None, help="Listen address (KINFLOW_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Listen port (KINFLOW_PORT, default 8080).")
@click.option("--data-dir", default=None, help="Data folder (KINFLOW_DATA_DIR, default ./kinflow-data).")
@click.option("--workers", type=int, default=None, help="HTTP worker processes (KINFLOW_HTTP_WORKERS).")
@click.option("--no-workers", "no_delivery", is_flag=True, default=False,
              help="Do not deliver webhooks or run flows in this process (run `kinflow worker` elsewhere).")
def serve(host: str | None, port: int | None, data_dir: str | None, workers: int | None, no_delivery: bool) -> None:
    """Start kinflow: migrate, create the first login and example app if new, and serve HTTP."""
    from kinflow.api import serving
    from kinflow.bootstrap import ensure_initial_data
    from kinflow.clock import clock
    from kinflow.logs import log_settings, setup_logging

    settings = load_settings().with_overrides(
        host=host, port=port, data_dir=Path(data_dir) if data_dir else None, workers=workers,
        delivery_worker=False if no_delivery else None,
    )
    if "KINFLOW_PUBLIC_URL" not in os.environ:
        settings = settings.with_overrides(public_url=f"http://{settings.host}:{settings.port}")
    setup_logging(settings)
    clock.start_ahead(settings.test_clock_offset)  # before the first write, which may stamp the time
    # The port first: when it is taken, nothing (data folder, database) has been created yet.
    try:
        sock = serving.bind(settings.host, settings.port)
    except OSError as exc:
        _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
    db = _prepare(settings)
    log_settings(settings)
    first = ensure_initial_data(settings, db)
    db.dispose()
    base = f"http://{settings.host}:{settings.port}"
    # Bound and listening: a client connecting from now on waits for the server, it is not refused.
    console.print(f"[bold green]kinflow[/bold green] listening on {base}  (database: {_shown_url(settings)})")
    console.print(f"Data folder: {settings.data_dir.resolve()}", highlight=False)
    console.print(f"In a browser: {base}/k/", highlight=False)
    if first.admin_password:
        console.print(f"Log in as [bold]Administrator[/bold] with password [bold]{first.admin_password}[/bold]")
    else:
        console.print("Log in as [bold]Administrator[/bold] (password set on first start)")
    if first.admin_password_ignored:
        console.print("[yellow]KINFLOW_ADMIN_PASSWORD is ignored[/yellow]: Administrator exists already and keeps "
                      "its password (change it with `kinflow users set-password Administrator`)")
    if first.api_token:  # shown once: the database keeps only its hash
        console.print(f"Example app {first.example_app} (Customers), API token: [bold]{first.api_token}[/bold]")
        console.print(
            f"  curl -H 'X-Cybozu-API-Token: {first.api_token}' "
            f"'{base}/k/v1/records.json?app={first.example_app}'"
        )
    elif first.example_app:
        console.print(f"Example app {first.example_app} (Customers): create an API token with "
                      f"POST {base}/kinflow/v1/apiTokens.json {{\"app\": {first.example_app}}}")
    # Worker processes read the same settings from the environment.
    os.environ.update({
        "KINFLOW_DATA_DIR": str(settings.data_dir), "KINFLOW_DATABASE_URL": settings.database_url,
        "KINFLOW_PUBLIC_URL": settings.public_url, "KINFLOW_HOST": settings.host, "KINFLOW_PORT": str(settings.port),
        "KINFLOW_DELIVERY_WORKER": "true" if settings.delivery_worker else "false",
    })
    if settings.workers > 1:
        _count_across_processes(settings.data_dir / "metrics")
    serving.serve(settings, sock)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--data-dir", default=None, help="Data folder (KINFLOW_DATA_DIR, default ./kinflow-data).")
def backup(file: Path, data_dir: str | None) -> None:
    """Write a backup of this kinflow (SQLite) to FILE while it runs: the database and the secret key.
    With PostgreSQL, use pg_dump (see the README)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from kinflow.storage import backup as backups

    settings = _with_data_dir(data_dir)
    try:
        with Progress(TextColumn("Copying the database"), BarColumn(), TaskProgressColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("copy", total=None)
            names = backups.backup(settings.url, settings.data_dir, file,
                                   lambda done, total: progress.update(task, completed=done, total=total))
    except (backups.BackupError, OSError) as exc:
        _fail(str(exc))
    console.print(f"[green]Backup written[/green] to {file.resolve()} ({', '.join(names)})", highlight=False)
    if settings.secret_key:
        console.print("[yellow]The secret key is KINFLOW_SECRET_KEY, not a file[/yellow]: keep its value with the backup")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data-dir", default=None, help="Data folder to create (KINFLOW_DATA_DIR, default ./kinflow-data).")
def restore(file: Path, data_dir: str | None) -> None:
    """Restore the backup FILE into a new or empty data folder (then start `kinflow serve` on it)."""
    from kinflow.storage import backup as backups

    settings = _with_data_dir(data_dir)
    try:
        folder = backups.restore(file, settings.url, settings.data_dir)
    except (backups.BackupError, OSError) as exc:
        _fail(str(exc))
    console.print(f"[green]Restored[/green] {file} into {folder}", highlight=False)


def _with_data_dir(data_dir: str | None):  # noqa: ANN202
    return load_settings().with_overrides(data_dir=Path(data_dir) if data_dir else None)


def _count_across_processes(folder) -> None:  # noqa: ANN001
    """HTTP worker processes keep their /metrics counters in files of `folder`, which a scrape of any
    of them adds up (prometheus-client's multiprocess mode); the last run's files are removed."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


@main.group()
def users() -> None:
    """Logins of this kinflow."""


def _new_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("New password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")  # from a pipe: the first line


@users.command("set-password")
@click.argument("login")
def set_password(login: str) -> None:
    """Give LOGIN a new password, read from the terminal (twice) or, when piped, from stdin's first line.
    Also lifts the lockouts after failed logins of LOGIN."""
    from kinflow.directory import logins
    from kinflow.directory import users as directory
    from kinflow.storage.database import Database

    settings = load_settings()
    db = Database(settings.url)
    try:
        with db.read() as conn:
            known = directory.get_user(conn, login) is not None
        if not known:
            raise click.ClickException(f"no login named {login!r} ({settings.url})")
        password = _new_password()
        if not password:
            raise click.ClickException("the new password is empty")
        with db.write() as conn:
            directory.set_password(conn, login, password)
            logins.forget_failures(conn, login)
    finally:
        db.dispose()
    console.print(f"[green]Password of {login} changed[/green]")


@users.command("set-mobile")
@click.argument("login")
@click.argument("number")
def set_mobile(login: str, number: str) -> None:
    """Give LOGIN the mobile NUMBER (E.164, such as +14155550123; "" removes it): the same person in
    Groups, whose sign-in PINs then go to LOGIN's e-mail address."""
    from kinflow.directory import people
    from kinflow.errors import KintoneError
    from kinflow.storage.database import Database

    settings = load_settings()
    db = Database(settings.url)
    try:
        with db.write() as conn:
            people.update_user(conn, login, {"mobileNumber": number})
    except KintoneError as error:
        reasons = [m for messages in (error.errors or {}).values() for m in messages]
        raise click.ClickException(" ".join(reasons) or error.message) from None
    finally:
        db.dispose()
    console.print(f"[green]Mobile number of {login} {'set' if number else 'removed'}[/green]")


def _directory_write(action):  # noqa: ANN001, ANN202
    """Run `action(conn)` in one write transaction; a refusal is one line and exit status 1."""
    from kinflow.errors import KintoneError

    db = _prepare(load_settings())
    try:
        with db.write() as conn:
            return action(conn)
    except KintoneError as error:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (error.errors or {}).items())
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    finally:
        db.dispose()


@users.command("add")
@click.argument("login")
@click.option("--name", default=None, help="Display name (default: the login).")
@click.option("--email", default="", help="E-mail address (notification mails go there).")
@click.option("--admin", is_flag=True, default=False, help="Make the user an administrator.")
@click.option("--no-password", is_flag=True, default=False, help="No password: the user cannot log in yet.")
def users_add(login: str, name: str | None, email: str, admin: bool, no_password: bool) -> None:
    """Add the user LOGIN; the password is typed twice at the terminal or, piped, stdin's first line."""
    from kinflow.directory import people
    from kinflow.directory import users as directory

    password = "" if no_password else _new_password()

    def add(conn) -> None:  # noqa: ANN001
        for field, value in (("name", name), ("email", email)):
            people.checked_text({field: value}, field)
        directory.create_user(conn, login, name, password, email=email, is_admin=admin)

    _directory_write(add)
    console.print(f"[green]User {login} added[/green]", highlight=False)


@users.command("list")
@click.option("--search", default="", help="Only users whose login, name or e-mail contains this.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many users.")
@click.option("--size", type=click.IntRange(1, 100), default=100, help="Users to show (at most 100).")
def users_list(search: str, offset: int, size: int) -> None:
    """List users by id: login, name, e-mail, state, administrator."""
    from kinflow.directory import people

    found = _directory_write(lambda conn: people.list_users(conn, offset=offset, size=size, search=search[:128]))
    for user in found:
        state = "active" if user["valid"] else "inactive"
        # Tab-separated, for scripts (`cut -f1`).
        click.echo("\t".join([user["code"], user["name"], user["email"], state] + (["admin"] if user["admin"] else [])))


@users.command("deactivate")
@click.argument("login")
def users_deactivate(login: str) -> None:
    """Deactivate LOGIN: no more logins, named nowhere new; their records keep their code."""
    from kinflow.directory import people

    _directory_write(lambda conn: people.deactivate(conn, login))
    console.print(f"[green]User {login} deactivated[/green]", highlight=False)


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def users_import(file: Path) -> None:
    """Add the users of a CSV FILE (header: code,name,email,password,language,timezone,mobileNumber,
    departments,admin), all or none, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from kinflow.directory import user_import

    try:
        rows = user_import.read_rows(file)
        with Progress(TextColumn("Importing users"), BarColumn(), MofNCompleteColumn(),
                      console=Console(stderr=True)) as progress:
            task = progress.add_task("import", total=len(rows))
            count = _directory_write(lambda conn: user_import.import_users(
                conn, rows, lambda done: progress.update(task, completed=done)))
    except (user_import.UserImportError, UnicodeDecodeError) as error:
        _fail(f"{file}: {error}")
    console.print(f"[green]Imported {count} users[/green] from {file}", highlight=False)


@main.command()
@click.option("--name", default=None, help="Worker name in the delivery log (default host:pid).")
def worker(name: str | None) -> None:
    """Background work without HTTP: webhook deliveries, flow runs, reminders, notification e-mails (until SIGTERM or Ctrl-C)."""
    import asyncio
    import signal

    from kinflow.background import Background
    from kinflow.clock import clock
    from kinflow.logs import log_settings, setup_logging
    from kinflow.metrics import time_statements
    from kinflow.storage.database import Database

    settings = load_settings()
    _secret_key(settings)  # the server's key, from its data folder or KINFLOW_SECRET_KEY: never a new one
    setup_logging(settings)
    clock.start_ahead(settings.test_clock_offset)
    log_settings(settings)
    db = Database(settings.url)
    time_statements(db.engine, settings.slow_query_ms / 1000)

    async def run() -> None:
        background = Background(db, settings, name)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(background.stop()))
        console.print(f"[bold green]kinflow worker[/bold green] {background.delivery.name} "
                      f"delivering from {_shown_url(settings)}")
        await background.run()

    try:
        asyncio.run(run())
    finally:
        db.dispose()


@main.group()
def groups() -> None:
    """Groups, the Kaizala-compatible messaging server."""


@groups.group()
def connector() -> None:
    """Connectors: the applications that may call the groups API."""


@connector.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="A permission scope (repeat it), e.g. --scope groupinfo.read --scope textmessage.write.")
def connector_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a connector; prints its application id and its secret (shown this once only)."""
    from kinflow.errors import KintoneError
    from kinflow.groups.connectors import create_connector

    db = _prepare(load_settings())
    try:
        with db.write() as conn:
            created, secret = create_connector(conn, name, list(scopes), "cli")
    except KintoneError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.dispose()
    console.print(f"applicationId: {created.id}")
    console.print(f"applicationSecret: {secret}", highlight=False)
    console.print(f"scope: {created.scope}")
    console.print("The secret is shown only now; kinflow keeps only its digest.")


@connector.command("list")
def connector_list() -> None:
    """List connectors (never their secrets)."""
    from kinflow.groups.connectors import list_connectors

    db = _prepare(load_settings())
    try:
        with db.read() as conn:
            for item in list_connectors(conn):
                console.print(f"{item.id}  {item.name}  {item.scope}", highlight=False)
    finally:
        db.dispose()


@groups.group()
def package() -> None:
    """Custom action packages (zip files of at most 1 MB with a manifest)."""


@package.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def package_import(file: Path) -> None:
    """Check an action package and keep it (a package of the same id is replaced)."""
    from kinflow.errors import KintoneError
    from kinflow.groups.packages import MAX_SIZE, import_package

    if file.stat().st_size > MAX_SIZE:
        raise click.ClickException(f"An action package is at most {MAX_SIZE} bytes (1 MB).")
    db = _prepare(load_settings())
    try:
        with db.write() as conn:
            imported = import_package(conn, file.read_bytes(), "cli")
    except KintoneError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.dispose()
    console.print(f"{imported['id']}  {imported['version']}  {imported['displayName']}", highlight=False)


@main.group()
def connectors() -> None:
    """Flow connectors: the kintone and Kaizala connectors, in the Power Platform's format."""


@connectors.command("list")
def connectors_list() -> None:
    """List the connectors with their operations and throttling."""
    from kinflow.flows.connectors import catalog

    for name in catalog.names():
        connector = catalog.load(name)
        limit = connector.throttling
        throttling = f"{limit.calls} calls per {limit.period:g} s per connection" if limit else "no throttling"
        click.echo(f"{name}\t{len(connector.operations())} operations\t"
                   f"{len(connector.triggers())} triggers\t{throttling}")


@connectors.command("export")
@click.argument("name")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--server", default=None,
              help="The kinflow (or kintone) address the definition points at, e.g. https://kinflow.example.com "
                   "(default: KINFLOW_PUBLIC_URL).")
def connectors_export(name: str, directory: Path, server: str | None) -> None:
    """Write connector NAME (apiDefinition.swagger.json and apiProperties.json) into DIRECTORY, to
    import into Power Automate as a custom connector."""
    from kinflow.flows.connectors import catalog

    try:
        written = catalog.export(name, directory, server or load_settings().public_url)
    except (catalog.UnknownConnector, ValueError) as error:
        _fail(str(error.args[0]))
    except OSError as error:
        _fail(f"cannot write into {directory}: {error.strerror or error}")
    for path in written:
        console.print(f"Wrote {path}", highlight=False)


def _add_flows() -> None:
    from kinflow.cli_flows import flows

    main.add_command(flows)


_add_flows()

if __name__ == "__main__":
    main()
