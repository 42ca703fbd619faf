"""Every setting of kinflow, read once from `KINFLOW_*` environment variables.

The table below is the single source: the CLI's flags override it, and the README lists it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from kinflow.i18n import LANGUAGES
from kinflow.secret_key import SecretKey, load_secret_key

# Ten years: enough for any lifetime a test outlives (refresh tokens last one), far from datetime's limits.
MAX_CLOCK_OFFSET = 10 * 366 * 86_400.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(
        default=Path("./kinflow-data"),
        metadata={"env": "KINFLOW_DATA_DIR", "help": "Folder for the embedded SQLite database."},
    )
    database_url: str = field(
        default="",
        metadata={
            "env": "KINFLOW_DATABASE_URL",
            "help": "SQLAlchemy URL; empty means SQLite at DATA_DIR/kinflow.db.",
        },
    )
    host: str = field(default="127.0.0.1", metadata={"env": "KINFLOW_HOST", "help": "Listen address."})
    port: int = field(default=8080, metadata={"env": "KINFLOW_PORT", "help": "Listen port."})
    admin_password: str = field(
        default="",
        metadata={
            "env": "KINFLOW_ADMIN_PASSWORD",
            "help": "Password of the Administrator login on first start; random and printed when unset.",
        },
    )
    login_max_failures: int = field(
        default=10,
        metadata={"env": "KINFLOW_LOGIN_MAX_FAILURES",
                  "help": "Failed password logins for one login name from one address, within "
                          "KINFLOW_LOGIN_WINDOW, after which that pair is locked out."},
    )
    login_window: float = field(
        default=600.0,
        metadata={"env": "KINFLOW_LOGIN_WINDOW",
                  "help": "Seconds from a pair's first failed login in which failures count."},
    )
    login_lockout: float = field(
        default=600.0,
        metadata={"env": "KINFLOW_LOGIN_LOCKOUT",
                  "help": "Seconds a locked-out (login, address) pair is refused, even with the right password."},
    )
    session_idle: float = field(
        default=86_400.0,
        metadata={"env": "KINFLOW_SESSION_IDLE",
                  "help": "Seconds a browser session lasts without use (kintone's request token: a day from "
                          "the last access); then its user signs in again."},
    )
    session_lifetime: float = field(
        default=7 * 86_400.0,
        metadata={"env": "KINFLOW_SESSION_LIFETIME",
                  "help": "Seconds a browser session lasts at most from its sign-in, however often it is used."},
    )
    public_url: str = field(
        default="http://127.0.0.1:8080",
        metadata={"env": "KINFLOW_PUBLIC_URL", "help": "Base of permalinks in notifications."},
    )
    allowed_hosts: str = field(
        default="",
        metadata={"env": "KINFLOW_ALLOWED_HOSTS",
                  "help": "Host names requests may address (comma-separated, `*.example.com` for subdomains, `*` "
                          "for any); empty means the public URL's host, localhost, 127.0.0.1, ::1 and the "
                          "listen address. Others get 400 (DNS rebinding); /healthz answers any host."},
    )
    header_timeout: float = field(
        default=10.0,
        metadata={"env": "KINFLOW_HEADER_TIMEOUT",
                  "help": "Seconds a client has to send a request's line and headers; then the connection is closed."},
    )
    redis_url: str = field(default="", metadata={"env": "KINFLOW_REDIS_URL", "help": "Optional Redis."})
    secret_key: str = field(
        default="",
        repr=False,
        metadata={"env": "KINFLOW_SECRET_KEY",
                  "help": "Key of API token hashes and webhook secret encryption (at least 32 characters); "
                          "empty means the file secret.key in DATA_DIR, created on first start."},
    )
    example_app: bool = field(
        default=True,
        metadata={"env": "KINFLOW_EXAMPLE_APP", "help": "Create an example app with records on first start."},
    )
    workers: int = field(
        default=1,
        metadata={"env": "KINFLOW_HTTP_WORKERS", "help": "HTTP worker processes of `kinflow serve`."},
    )
    delivery_worker: bool = field(
        default=True,
        metadata={"env": "KINFLOW_DELIVERY_WORKER",
                  "help": "Deliver webhooks and run flows inside `kinflow serve` (`--no-workers` turns it off)."},
    )
    delivery_concurrency: int = field(
        default=64,
        metadata={"env": "KINFLOW_DELIVERY_CONCURRENCY", "help": "Webhook requests one worker keeps in flight."},
    )
    delivery_lease: float = field(
        default=60.0,
        metadata={"env": "KINFLOW_DELIVERY_LEASE",
                  "help": "Seconds a worker's claim lasts; a crashed worker's deliveries are retaken after it."},
    )
    delivery_poll: float = field(
        default=0.5,
        metadata={"env": "KINFLOW_DELIVERY_POLL",
                  "help": "Seconds between looks for due deliveries (new events wake the local worker at once)."},
    )
    delivery_retention_days: float = field(
        default=30.0,
        metadata={"env": "KINFLOW_DELIVERY_RETENTION_DAYS",
                  "help": "Days events, deliveries and their attempt logs are kept once nothing is left to deliver."},
    )
    flow_concurrency: int = field(
        default=16,
        metadata={"env": "KINFLOW_FLOW_CONCURRENCY", "help": "Flow runs one worker executes at once."},
    )
    flow_lease: float = field(
        default=30.0,
        metadata={"env": "KINFLOW_FLOW_LEASE",
                  "help": "Seconds a worker's claim of a run lasts (renewed while it runs); a crashed worker's runs "
                          "go on elsewhere after it, from their last finished action."},
    )
    flow_poll: float = field(
        default=0.5,
        metadata={"env": "KINFLOW_FLOW_POLL",
                  "help": "Seconds between looks for due runs (a worker in the process that starts a run is woken "
                          "at once)."},
    )
    flow_http_timeout: float = field(
        default=100.0,
        metadata={"env": "KINFLOW_FLOW_HTTP_TIMEOUT", "help": "Seconds an Http action's request may take."},
    )
    run_retention_days: float = field(
        default=30.0,
        metadata={"env": "KINFLOW_RUN_RETENTION_DAYS", "help": "Days the history of a finished flow run is kept."},
    )
    webhook_timeout: float = field(
        default=10.0,
        metadata={"env": "KINFLOW_WEBHOOK_TIMEOUT", "help": "Seconds a webhook receiver has to answer."},
    )
    webhook_retry_delays: str = field(
        default="10,30,60,300,900,1800,3600,7200,14400,28800,43200,43200",
        metadata={"env": "KINFLOW_WEBHOOK_RETRY_DELAYS",
                  "help": "Seconds before each retry of a failed delivery (comma-separated; ±20% jitter); "
                          "after the last one the delivery is marked failed. The default spans 38 hours."},
    )
    webhooks_per_app: int = field(
        default=100,
        metadata={"env": "KINFLOW_WEBHOOKS_PER_APP",
                  "help": "Webhooks one app may have (kintone allows 10; flows subscribe through webhooks too)."},
    )
    webhook_destination_concurrency: int = field(
        default=32,
        metadata={"env": "KINFLOW_WEBHOOK_DESTINATION_CONCURRENCY",
                  "help": "Webhook requests one worker keeps in flight to one host:port, so a slow or dead "
                          "receiver cannot take every slot."},
    )
    webhook_breaker_failures: int = field(
        default=5,
        metadata={"env": "KINFLOW_WEBHOOK_BREAKER_FAILURES",
                  "help": "Consecutive timeouts (no answer in time) of one host:port after which its "
                          "deliveries are logged and rescheduled without a request, until the cool-down passes."},
    )
    webhook_breaker_cooldown: float = field(
        default=60.0,
        metadata={"env": "KINFLOW_WEBHOOK_BREAKER_COOLDOWN",
                  "help": "Seconds a failing host:port is left alone before it is tried again."},
    )
    webhook_allow: str = field(
        default="",
        metadata={"env": "KINFLOW_WEBHOOK_ALLOW",
                  "help": "Networks (CIDR, comma-separated) webhooks may call besides globally routable "
                          "addresses; private, loopback, link-local, shared and other special ones are refused."},
    )
    smtp_host: str = field(
        default="",
        metadata={"env": "KINFLOW_SMTP_HOST",
                  "help": "SMTP server for notification e-mails; empty sends none (the inbox still fills)."},
    )
    smtp_port: int = field(default=25, metadata={"env": "KINFLOW_SMTP_PORT", "help": "SMTP server port."})
    smtp_from: str = field(
        default="kinflow@localhost",
        metadata={"env": "KINFLOW_SMTP_FROM", "help": "Sender address of notification e-mails."},
    )
    smtp_user: str = field(default="", metadata={"env": "KINFLOW_SMTP_USER", "help": "SMTP login (optional)."})
    smtp_password: str = field(
        default="", metadata={"env": "KINFLOW_SMTP_PASSWORD", "help": "SMTP password (optional)."})
    smtp_starttls: bool = field(
        default=False,
        metadata={"env": "KINFLOW_SMTP_STARTTLS", "help": "Upgrade the SMTP connection with STARTTLS."},
    )
    pin_webhook_url: str = field(
        default="",
        metadata={"env": "KINFLOW_PIN_WEBHOOK_URL",
                  "help": "SMS gateway for sign-in PINs of the groups API: POSTed JSON {to, text}. Unset: PINs "
                          "are written to the server log (development only)."},
    )
    groups_connector_rate: int = field(
        default=100,
        metadata={"env": "KINFLOW_GROUPS_CONNECTOR_RATE",
                  "help": "Calls a minute one connector may make to the groups API (Kaizala's 100; 0: no limit)."},
    )
    groups_tenant_rate: int = field(
        default=300,
        metadata={"env": "KINFLOW_GROUPS_TENANT_RATE",
                  "help": "Calls a minute all connectors together may make to the groups API (Kaizala's 300; "
                          "0: no limit). Counted in Redis across processes when KINFLOW_REDIS_URL is set."},
    )
    file_max_bytes: int = field(
        default=32 * 1024 * 1024,
        metadata={"env": "KINFLOW_FILE_MAX_BYTES",
                  "help": "Largest file `POST /k/v1/file.json` takes, in bytes (files are kept in the database)."},
    )
    groups_media_max_bytes: int = field(
        default=20 * 1024 * 1024,
        metadata={"env": "KINFLOW_GROUPS_MEDIA_MAX_BYTES",
                  "help": "Largest media upload of the groups API, in bytes (the files of one upload together; "
                          "kept in the database)."},
    )
    groups_webhook_retry_delays: str = field(
        default="600,1800,7200,21600,43200,98400",
        metadata={"env": "KINFLOW_GROUPS_WEBHOOK_RETRY_DELAYS",
                  "help": "Seconds before each retry of a failed groups webhook delivery (Kaizala's rule: 6 "
                          "retries over 2 days); after the last one the subscription is disabled."},
    )
    reminder_poll: float = field(
        default=30.0,
        metadata={"env": "KINFLOW_REMINDER_POLL",
                  "help": "Seconds between looks for due reminders (in `kinflow serve` with workers)."},
    )
    test_clock_offset: float = field(
        default=0.0,
        metadata={"env": "KINFLOW_TEST_CLOCK_OFFSET",
                  "help": "For tests only: seconds every process of this server runs ahead of the real time "
                          "(expiries, due dates, token lifetimes), so a test restarts a server on its database "
                          "hours later. Each process warns in its log when it is set; no API call moves the clock."},
    )

    max_body_bytes: int = field(
        default=64 * 1024 * 1024,
        metadata={"env": "KINFLOW_MAX_BODY_BYTES",
                  "help": "Largest request body accepted, in bytes; a larger one is refused with 413 "
                          "before it is read."},
    )
    query_timeout: float = field(
        default=10.0,
        metadata={"env": "KINFLOW_QUERY_TIMEOUT",
                  "help": "Seconds one request's database work may run before it is stopped with an error (0: no limit)."},
    )

    log_level: str = field(
        default="info",
        metadata={"env": "KINFLOW_LOG_LEVEL",
                  "help": "Least severe log messages written to stderr: debug, info, warning or error."},
    )
    log_format: str = field(
        default="text",
        metadata={"env": "KINFLOW_LOG_FORMAT",
                  "help": "`text` (one readable line a message) or `json` (one JSON object a line)."},
    )
    access_log: bool = field(
        default=True,
        metadata={"env": "KINFLOW_ACCESS_LOG",
                  "help": "Log one line per request: method, path, status, duration and user or token id."},
    )
    slow_query_ms: float = field(
        default=1000.0,
        metadata={"env": "KINFLOW_SLOW_QUERY_MS",
                  "help": "Database statements slower than this many milliseconds are logged (0: none)."},
    )
    language: str = field(
        default="en",
        metadata={"env": "KINFLOW_LANGUAGE",
                  "help": "Language of messages for a caller whose setting is `auto` and whose browser asks for "
                          "no language kinflow has: `en` or `ja`."},
    )
    metrics_token: str = field(
        default="",
        metadata={"env": "KINFLOW_METRICS_TOKEN",
                  "help": "Bearer token a scraper sends to read /metrics (`Authorization: Bearer ...`); "
                          "administrators may read it with their password. Empty: administrators only."},
    )

    def __post_init__(self) -> None:
        # Parsed now, so a malformed value stops kinflow at start (from the environment or a flag).
        try:
            self.webhook_networks  # noqa: B018
        except ValueError as exc:
            raise ValueError(f"invalid KINFLOW_WEBHOOK_ALLOW: {exc}") from None
        if self.log_format not in ("text", "json"):
            raise ValueError(f"invalid KINFLOW_LOG_FORMAT: {self.log_format!r} (text or json)")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"invalid KINFLOW_LOG_LEVEL: {self.log_level!r} (debug, info, warning or error)")
        if not -MAX_CLOCK_OFFSET <= self.test_clock_offset <= MAX_CLOCK_OFFSET:
            raise ValueError(f"invalid KINFLOW_TEST_CLOCK_OFFSET: {self.test_clock_offset} "
                             f"(at most {MAX_CLOCK_OFFSET:.0f} seconds either way)")
        if self.language not in LANGUAGES:
            raise ValueError(f"invalid KINFLOW_LANGUAGE: {self.language!r} ({' or '.join(LANGUAGES)})")

    @cached_property
    def webhook_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`webhook_allow` parsed: networks (`127.0.0.0/8`) or single addresses."""
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in self.webhook_allow.split(",") if part.strip())

    @property
    def secure_cookies(self) -> bool:
        """Session cookies are `Secure` when kinflow is reached over HTTPS (its public URL says so)."""
        return urlsplit(self.public_url).scheme == "https"

    @cached_property
    def host_names(self) -> frozenset[str] | None:
        """The names `Host` may carry (lower case, no port; `*.x` patterns kept as written); None: any."""
        names = [host_name(part) for part in self.allowed_hosts.split(",") if part.strip()]
        if "*" in names:
            return None
        if not names:
            # A wildcard listen address is no name a client addresses.
            listen = [] if self.host in ("", "0.0.0.0", "::") else [host_name(self.host)]
            names = [host_name(urlsplit(self.public_url).netloc), "localhost", "127.0.0.1", "::1", *listen]
        return frozenset(names)

    @cached_property
    def keys(self) -> SecretKey:
        """The secret key (raises `SecretKeyError` when there is none: see kinflow.secret_key)."""
        return load_secret_key(self.secret_key, self.data_dir)

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kinflow.db').resolve()}"

    def with_overrides(self, **overrides: object) -> "Settings":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)


def host_name(host: str) -> str:
    """`Example.COM:8080`, `[::1]:8080` or `::1` as the bare lower-case name: `example.com`, `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def _convert(kind: object, raw: str) -> object:
    if kind in (bool, "bool"):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (Path, "Path"):
        return Path(raw)
    return raw


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings; a malformed value fails loudly rather than falling back."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        name = f.metadata["env"]
        if name in environ:
            try:
                values[f.name] = _convert(f.type, environ[name])
            except ValueError as exc:
                raise SystemExit(f"kinflow: invalid {name}: {exc}") from None
    try:
        return Settings(**values)
    except ValueError as exc:  # a value that Settings itself checks (see __post_init__)
        raise SystemExit(f"kinflow: {exc}") from None
