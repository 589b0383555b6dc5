"""One Settings object: every knob is an environment variable (``.env`` honoured).

Secrets that are not given are generated once and kept in the data dir with 0600
permissions, so a fresh machine is secure without a hard-coded default.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class McpStdioTemplate(BaseModel):
    """One argv a stdio MCP server may run: literal elements, and ``{name}`` slots (not the
    command) that a team admin fills with one plain value. ``network``: the server needs it."""

    argv: list[str] = Field(min_length=1)
    network: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: object) -> object:
        """A bare list is a template without network; a bare string (the old command-only form)
        is that command with no arguments. ``"*"`` (any command) is no longer accepted."""
        if value == "*" or value == ["*"]:
            raise ValueError("'*' is no longer allowed in BERRYS_MCP_STDIO_COMMANDS: list whole argv templates")
        if isinstance(value, str):
            return {"argv": [value]}
        if isinstance(value, list):
            return {"argv": value}
        return value

    @field_validator("argv")
    @classmethod
    def _literal_command(cls, argv: list[str]) -> list[str]:
        if not argv[0] or argv[0].startswith("{"):
            raise ValueError("the first element of an MCP stdio template is the command: a literal path or name")
        return argv


class Settings(BaseSettings):
    """Runtime configuration; see the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    data_dir: Path = Field(default=Path(".berrys"), validation_alias="BERRYS_DATA_DIR")
    workers: int = Field(default=2, ge=0, le=64, validation_alias="BERRYS_WORKERS")
    # web server processes (Granian workers) on BERRYS_PORT; their tabs' state lives in Redis
    web_workers: int = Field(default=1, ge=1, le=64, validation_alias="BERRYS_WEB_WORKERS")
    # where the dashboard keeps each tab's state: "redis" lets any web process or host serve any tab;
    # "disk" (this process) loads pages ~0.5 s faster; "auto" = redis when BERRYS_WEB_WORKERS > 1
    tab_state: Literal["auto", "redis", "disk"] = Field(default="auto", validation_alias="BERRYS_TAB_STATE")
    port: int = Field(default=3000, ge=1, le=65535, validation_alias="BERRYS_PORT")
    # a laptop install listens on loopback only; containers set BERRYS_HOST=0.0.0.0 explicitly
    host: str = Field(default="127.0.0.1", validation_alias="BERRYS_HOST")
    # the address people reach the dashboard at (behind a proxy or in docker); the OIDC callback
    # and the browser's API/websocket URL are built from it. None: http://localhost:<port>
    public_url: str | None = Field(default=None, validation_alias="BERRYS_PUBLIC_URL")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="WARNING", validation_alias="BERRYS_LOG_LEVEL"
    )  # worker processes (INFO logs every job)
    reflex_loglevel: Literal["debug", "default", "info", "warning", "error", "critical"] = Field(
        default="warning", validation_alias="BERRYS_REFLEX_LOGLEVEL"
    )  # the web process (reflex run --loglevel)
    # logs: "auto" = JSON lines when stderr is not a terminal, coloured console lines on one
    log_format: Literal["auto", "json", "console"] = Field(default="auto", validation_alias="BERRYS_LOG_FORMAT")
    # Prometheus metrics: recorded in every process; web serves them at /metrics, each worker on
    # BERRYS_WORKER_METRICS_PORT + BERRYS_WORKER_INDEX (0: no worker endpoint)
    metrics_enabled: bool = Field(default=True, validation_alias="BERRYS_METRICS")
    metrics_token: SecretStr | None = Field(default=None, validation_alias="BERRYS_METRICS_TOKEN")
    worker_metrics_port: int = Field(default=0, ge=0, le=65535, validation_alias="BERRYS_WORKER_METRICS_PORT")
    worker_metrics_host: str = Field(default="127.0.0.1", validation_alias="BERRYS_WORKER_METRICS_HOST")
    worker_index: int = Field(default=0, ge=0, le=1000, validation_alias="BERRYS_WORKER_INDEX")
    secret_key_value: str | None = Field(default=None, validation_alias="SECRET_KEY")
    encryption_key_value: str | None = Field(default=None, validation_alias="ENCRYPTION_KEY")
    default_model: str = Field(default="embedded/smollm2", validation_alias="BERRYS_DEFAULT_MODEL")
    # offer the test models (scripted/*) in the dashboard's model pickers
    show_test_models: bool = Field(default=False, validation_alias="BERRYS_SHOW_TEST_MODELS")
    heartbeat_interval_s: float = Field(default=1.0, gt=0, validation_alias="BERRYS_HEARTBEAT_INTERVAL")
    heartbeat_stale_s: float = Field(default=3.0, gt=0, validation_alias="BERRYS_HEARTBEAT_STALE")
    queue_name: str = Field(default="berrys:queue", validation_alias=AliasChoices("BERRYS_QUEUE_NAME"))
    poll_delay_s: float = Field(default=0.002, gt=0, validation_alias="BERRYS_POLL_DELAY")
    job_timeout_s: int = Field(default=600, gt=0, validation_alias="BERRYS_JOB_TIMEOUT")
    # database pools per process, each at most this many connections, opened on first use and kept
    # (the budget per process: berrys_app/db/__init__.py). The sessions pool's size, less 2, is how
    # many requests one web process serves at once; its overflow is opened and closed per use
    db_pool_size: int = Field(default=14, ge=2, validation_alias="BERRYS_DB_POOL_SIZE")
    db_pool_overflow: int = Field(default=0, ge=0, validation_alias="BERRYS_DB_POOL_OVERFLOW")
    db_autocommit_pool_size: int = Field(default=4, ge=1, validation_alias="BERRYS_DB_AUTOCOMMIT_POOL_SIZE")
    db_async_pool_size: int = Field(default=6, ge=1, validation_alias="BERRYS_DB_ASYNC_POOL_SIZE")
    # pg_stat_activity.application_name of this process's connections, "-<pool>" appended
    # (berrys-web-sessions, berrys-worker-1-async, ...): the launcher names its web and workers
    db_application_name: str = Field(default="berrys", min_length=1, validation_alias="BERRYS_DB_APPLICATION_NAME")
    # queue: jobs one worker runs at once (the batch one poll starts, plus spare slots for
    # aggregation, planning, cron), and how long a queued job's payload is kept
    worker_max_jobs: int = Field(default=20, ge=1, validation_alias="BERRYS_WORKER_MAX_JOBS")
    worker_spare_slots: int = Field(default=4, ge=0, validation_alias="BERRYS_WORKER_SPARE_SLOTS")
    job_expires_s: int = Field(default=86_400, gt=0, validation_alias="BERRYS_JOB_EXPIRES")
    # a worker blocks on the wake list between polls for at most this long (deferred jobs, cron);
    # a poll on that timer leaves jobs younger than the min age to the worker their enqueue woke
    worker_wake_wait_s: float = Field(default=0.05, gt=0, validation_alias="BERRYS_WORKER_WAKE_WAIT")
    worker_unwoken_min_age_ms: int = Field(default=20, ge=0, validation_alias="BERRYS_WORKER_UNWOKEN_MIN_AGE_MS")
    # retention (services/retention.py): engine-traffic events, model- and tool-call excerpts older than this
    # many days go (0 = keep everything); the daily cron runs at this UTC hour
    retention_days: int = Field(default=0, ge=0, le=36_500, validation_alias="BERRYS_RETENTION_DAYS")
    retention_hour: int = Field(default=3, ge=0, le=23, validation_alias="BERRYS_RETENTION_HOUR")
    # the audit log is evidence: kept forever (0) unless the operator sets its own age in days
    audit_retention_days: int = Field(default=0, ge=0, le=36_500, validation_alias="BERRYS_AUDIT_RETENTION_DAYS")
    # engine (orchestration): leases, reconciler, retries
    lease_s: float = Field(default=5.0, gt=0, validation_alias="BERRYS_LEASE_S")
    reconcile_interval_s: int = Field(default=1, ge=1, le=60, validation_alias="BERRYS_RECONCILE_INTERVAL")
    retry_backoff_s: float = Field(default=1.0, ge=0, validation_alias="BERRYS_RETRY_BACKOFF")
    control_poll_s: float = Field(default=0.5, gt=0, validation_alias="BERRYS_CONTROL_POLL")
    # leases of one task that may expire (its worker died running it) before the task fails with
    # that reason; apart from max_task_attempts: a crash is often not the task's doing (a deploy, OOM)
    max_task_crashes: int = Field(default=3, ge=1, validation_alias="BERRYS_MAX_TASK_CRASHES")
    # ready dependents a worker runs itself at once (its own lease batch); the surplus goes to the queue.
    # Above W's width (20) with its overlapping levels: handing W's surplus to a second worker made
    # both slower (their statements contend for the same rows; bench/engine.py)
    local_tasks: int = Field(default=50, ge=0, validation_alias="BERRYS_LOCAL_TASKS")
    # a dependent whose inputs are all in the worker's memory starts its model call while the
    # completion that readies it commits (engine/speculation.py; measured in docs/architecture.md)
    speculative_start: bool = Field(default=True, validation_alias="BERRYS_SPECULATIVE_START")
    # a dependent is read ahead when its upstream model call still runs after this; a completion that
    # may ready a dependent started ahead waits this long for company (one statement for several)
    speculation_read_ahead_s: float = Field(default=0.02, ge=0, validation_alias="BERRYS_SPECULATION_READ_AHEAD")
    speculation_completion_wait_s: float = Field(
        default=0.015, ge=0, validation_alias="BERRYS_SPECULATION_COMPLETION_WAIT"
    )
    # upstream outputs (and ids) a worker keeps in memory for dependents not started yet
    speculation_remembered: int = Field(default=512, ge=1, validation_alias="BERRYS_SPECULATION_REMEMBERED")
    # the reconciler leaves tasks leased or readied this recently to the worker doing it
    reconcile_fresh_s: float = Field(default=1.0, ge=0, validation_alias="BERRYS_RECONCILE_FRESH")
    # the longest a stopping worker waits for its runs to give their tasks back
    shutdown_release_s: float = Field(default=5.0, ge=0, validation_alias="BERRYS_SHUTDOWN_RELEASE")
    # events and token streams without a job wait this long for company (one Redis message per burst)
    live_batch_s: float = Field(default=0.008, ge=0, validation_alias="BERRYS_LIVE_BATCH")
    task_max_steps: int = Field(default=8, ge=1, le=100, validation_alias="BERRYS_TASK_MAX_STEPS")
    task_max_tokens: int | None = Field(default=None, ge=16, validation_alias="BERRYS_TASK_MAX_TOKENS")
    planner_max_tokens: int = Field(default=1200, ge=64, validation_alias="BERRYS_PLANNER_MAX_TOKENS")
    channel_namespace: str = Field(default="berrys", validation_alias="BERRYS_CHANNEL_NAMESPACE")
    cors_origins: list[str] = Field(default_factory=list, validation_alias="BERRYS_CORS_ORIGINS")
    # whole argv templates a stdio MCP server may run (JSON list; each a list of strings, or
    # {"argv": [...], "network": true}); a "{name}" element is a slot the team admin fills with
    # one plain value (docs/tools.md). Empty: only http MCP servers.
    mcp_stdio_commands: list[McpStdioTemplate] = Field(
        default_factory=list, validation_alias="BERRYS_MCP_STDIO_COMMANDS"
    )
    # environment variable names a stdio MCP server may be given (values: vault references only;
    # loader/interpreter variables such as LD_*, PYTHON*, NODE_OPTIONS are refused even if listed)
    mcp_stdio_env_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_MCP_STDIO_ENV_KEYS"
    )
    # hosts an http MCP server may be on even when they resolve to loopback/private/link-local
    # addresses ("host", "host:port", "*.domain", "*" = any; comma-separated or a JSON list).
    # Empty: public hosts only (team admins are self-service: no SSRF into the operator's network).
    mcp_http_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_MCP_HTTP_HOSTS"
    )
    # built-in http_request tool: hosts it may call ("host", "host:port", "*.domain", "*" = any
    # public host). Empty: the built-in is off (team http tools carry their own allowlists).
    http_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_HTTP_ALLOWED_HOSTS"
    )
    # hosts http tools may reach even when they resolve to loopback/private/link-local addresses
    # (same format as BERRYS_MCP_HTTP_HOSTS). Empty: public addresses only (no SSRF).
    http_internal_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_HTTP_INTERNAL_HOSTS"
    )
    # python tool: run snippets even where they cannot be isolated (no network/user namespaces,
    # e.g. a container without CAP_SYS_ADMIN). Off: such hosts answer sandbox_unavailable.
    sandbox_allow_unisolated: bool = Field(default=False, validation_alias="BERRYS_SANDBOX_ALLOW_UNISOLATED")
    # python tool: the operator's caps on every sandbox limit a team admin may set (registration
    # refuses more; a stored config above a cap is clamped when it runs)
    sandbox_max_memory_mb: int = Field(default=1024, ge=32, validation_alias="BERRYS_SANDBOX_MAX_MEMORY_MB")
    sandbox_max_nproc: int = Field(default=64, ge=1, validation_alias="BERRYS_SANDBOX_MAX_NPROC")
    sandbox_max_cpu_s: int = Field(default=60, ge=1, validation_alias="BERRYS_SANDBOX_MAX_CPU_S")
    sandbox_max_wall_s: float = Field(default=120.0, ge=1, validation_alias="BERRYS_SANDBOX_MAX_WALL_S")
    sandbox_max_fsize_mb: int = Field(default=64, ge=1, validation_alias="BERRYS_SANDBOX_MAX_FSIZE_MB")
    sandbox_max_output_bytes: int = Field(
        default=1_000_000, ge=1_000, validation_alias="BERRYS_SANDBOX_MAX_OUTPUT_BYTES"
    )
    # security (API engineer): OIDC login, token lifetimes, key rotation, rate limits
    oidc_issuer: str | None = Field(default=None, validation_alias="OIDC_ISSUER")
    oidc_client_id: str | None = Field(default=None, validation_alias="OIDC_CLIENT_ID")
    oidc_client_secret: str | None = Field(default=None, validation_alias="OIDC_CLIENT_SECRET")
    oidc_redirect_url: str | None = Field(default=None, validation_alias="OIDC_REDIRECT_URL")
    access_token_ttl_s: int = Field(default=900, gt=0, validation_alias="BERRYS_ACCESS_TOKEN_TTL")
    refresh_token_ttl_s: int = Field(default=30 * 86_400, gt=0, validation_alias="BERRYS_REFRESH_TOKEN_TTL")
    # a login's absolute lifetime: refreshing never extends a session past this (then sign in again)
    session_max_age_s: int = Field(default=30 * 86_400, gt=0, validation_alias="BERRYS_SESSION_MAX_AGE")
    jwt_previous_secrets: list[str] = Field(default_factory=list, validation_alias="BERRYS_JWT_PREVIOUS_SECRETS")
    rate_limit_window_s: int = Field(default=60, gt=0, validation_alias="BERRYS_RATE_LIMIT_WINDOW")
    rate_limit_auth: int = Field(default=20, ge=1, validation_alias="BERRYS_RATE_LIMIT_AUTH")
    rate_limit_api: int = Field(default=1200, ge=1, validation_alias="BERRYS_RATE_LIMIT_API")
    # per API key (its id) or user (id): a service account that drives many projects gets its own limit
    rate_limit_api_overrides: dict[str, int] = Field(
        default_factory=dict, validation_alias="BERRYS_RATE_LIMIT_API_OVERRIDES"
    )
    # failed logins per account (email) per window, wherever they come from (rotating IPs)
    rate_limit_account: int = Field(default=10, ge=1, validation_alias="BERRYS_RATE_LIMIT_ACCOUNT")
    # reverse proxies (CIDRs, comma-separated) whose X-Forwarded-For/-Proto name the client and
    # its scheme. Empty: nobody's; the connecting peer is the client.
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_TRUSTED_PROXIES"
    )
    # identity mail (docs/security.md): smtp://user:pass@host:587 (STARTTLS when offered) or
    # smtps://host:465; None (the embedded default): links go to the log and the operator's System page
    smtp_url: SecretStr | None = Field(default=None, validation_alias="SMTP_URL")
    mail_from: str = Field(default="Berrys <berrys@localhost>", validation_alias="BERRYS_MAIL_FROM")
    # accounts that see the System page's mail outbox (comma-separated emails). Empty: the first account
    operator_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BERRYS_OPERATOR_EMAILS"
    )
    verify_token_ttl_s: int = Field(default=3 * 86_400, gt=0, validation_alias="BERRYS_VERIFY_TOKEN_TTL")
    reset_token_ttl_s: int = Field(default=3600, gt=0, validation_alias="BERRYS_RESET_TOKEN_TTL")
    invite_token_ttl_s: int = Field(default=7 * 86_400, gt=0, validation_alias="BERRYS_INVITE_TOKEN_TTL")
    mail_interval_s: int = Field(default=2, ge=1, le=60, validation_alias="BERRYS_MAIL_INTERVAL")
    mail_max_attempts: int = Field(default=8, ge=1, validation_alias="BERRYS_MAIL_MAX_ATTEMPTS")
    mail_retry_backoff_s: float = Field(default=30.0, ge=0, validation_alias="BERRYS_MAIL_RETRY_BACKOFF")
    # triggers (templates started on a schedule) and webhooks out: how often the workers look
    trigger_interval_s: int = Field(default=1, ge=1, le=60, validation_alias="BERRYS_TRIGGER_INTERVAL")
    webhook_interval_s: int = Field(default=1, ge=1, le=60, validation_alias="BERRYS_WEBHOOK_INTERVAL")
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60, validation_alias="BERRYS_WEBHOOK_TIMEOUT")
    # seconds before each retry of a failed delivery (Standard Webhooks' schedule: ~27 h in all)
    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [5, 300, 1800, 7200, 18000, 36000, 36000],
        validation_alias="BERRYS_WEBHOOK_RETRY_SCHEDULE",
    )
    mail_batch: int = Field(default=20, ge=1, validation_alias="BERRYS_MAIL_BATCH")
    smtp_timeout_s: float = Field(default=20.0, gt=0, validation_alias="BERRYS_SMTP_TIMEOUT")
    mail_max_backoff_s: float = Field(default=3600.0, ge=0, validation_alias="BERRYS_MAIL_MAX_BACKOFF")
    # identity mails (verify, reset) asked for one account per window, from any IP
    rate_limit_mail_account: int = Field(default=5, ge=1, validation_alias="BERRYS_RATE_LIMIT_MAIL_ACCOUNT")
    # models (models engineer): timeouts, circuit breaker, token streaming, embedded model
    model_timeout_s: float = Field(default=120.0, gt=0, validation_alias="BERRYS_MODEL_TIMEOUT")
    circuit_failure_threshold: int = Field(default=3, ge=1, validation_alias="BERRYS_CIRCUIT_FAILURES")
    circuit_cooldown_s: float = Field(default=30.0, gt=0, validation_alias="BERRYS_CIRCUIT_COOLDOWN")
    stream_interval_s: float = Field(default=0.1, ge=0, validation_alias="BERRYS_STREAM_INTERVAL")
    embedded_n_ctx: int = Field(default=4096, ge=512, le=32768, validation_alias="BERRYS_EMBEDDED_N_CTX")
    embedded_threads: int | None = Field(
        default=None, ge=1, validation_alias="BERRYS_EMBEDDED_THREADS"
    )  # None: all cores
    # a budget reservation outlives the call's timeout by this much before it counts as abandoned
    model_reservation_margin_s: float = Field(default=60.0, ge=0, validation_alias="BERRYS_MODEL_RESERVATION_MARGIN")
    # an estimated prompt count is raised by this share (at least the minimum) for the budget's worst case
    model_estimate_margin: float = Field(default=0.25, ge=0, validation_alias="BERRYS_MODEL_ESTIMATE_MARGIN")
    model_estimate_margin_min: int = Field(default=32, ge=0, validation_alias="BERRYS_MODEL_ESTIMATE_MARGIN_MIN")
    # how long a process trusts what it read: the model catalogue, and a closed circuit breaker
    model_catalogue_cache_s: float = Field(default=2.0, ge=0, validation_alias="BERRYS_MODEL_CATALOGUE_CACHE")
    circuit_closed_cache_s: float = Field(default=0.5, ge=0, validation_alias="BERRYS_CIRCUIT_CLOSED_CACHE")
    # retries of one HTTP model call inside the provider's client (connection errors, 429/5xx)
    model_http_retries: int = Field(default=2, ge=0, validation_alias="BERRYS_MODEL_HTTP_RETRIES")
    # tools: a call's default timeout and result size (a tool's config may set its own), MCP connects
    tool_timeout_s: float = Field(default=60.0, gt=0, validation_alias="BERRYS_TOOL_TIMEOUT")
    tool_max_result_chars: int = Field(default=8_000, ge=100, validation_alias="BERRYS_TOOL_MAX_RESULT_CHARS")
    mcp_connect_timeout_s: float = Field(default=30.0, gt=0, validation_alias="BERRYS_MCP_CONNECT_TIMEOUT")
    # live updates: how long a viewer's access to a project is trusted; SSE keep-alive comments
    live_access_cache_s: float = Field(default=1.0, ge=0, validation_alias="BERRYS_LIVE_ACCESS_CACHE")
    sse_heartbeat_s: float = Field(default=15.0, gt=0, validation_alias="BERRYS_SSE_HEARTBEAT")
    # an earlier task's output is cut (in the middle) to this many characters in a dependent's prompt
    task_input_max_chars: int = Field(default=12_000, ge=200, validation_alias="BERRYS_TASK_INPUT_MAX_CHARS")
    # tracing (berrys_app/tracing.py): spans go to <endpoint>/v1/traces over OTLP/HTTP; unset = off
    otel_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otel_service_name: str = Field(default="berrys", max_length=100, validation_alias="OTEL_SERVICE_NAME")

    @field_validator("log_level", "reflex_loglevel", mode="before")
    @classmethod
    def _level_case(cls, value: object, info: Any) -> object:
        """``info`` and ``INFO`` both work (each field keeps the case its consumer expects)."""
        if isinstance(value, str):
            return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()
        return value

    @property
    def public_base_url(self) -> str:
        """Where people reach this instance, without a trailing slash."""
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @field_validator(
        "mcp_http_hosts",
        "http_allowed_hosts",
        "http_internal_hosts",
        "mcp_stdio_env_keys",
        "trusted_proxies",
        "operator_emails",
        "webhook_retry_schedule",
        mode="before",
    )
    @classmethod
    def _host_list(cls, value: object) -> object:
        """Operators write ``a,b:8080`` in a shell; a JSON list (like the other list settings) works too."""
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [h.strip() for h in text.split(",") if h.strip()]
        return value

    @property
    def tab_state_wants_redis(self) -> bool:
        """Whether tab state goes to Redis once there is one (the launcher's embedded one counts)."""
        return self.tab_state == "redis" or (self.tab_state == "auto" and self.web_workers > 1)

    @property
    def tab_state_in_redis(self) -> bool:
        """Whether Reflex keeps tab state in Redis (needed as soon as two web processes serve tabs)."""
        return self.tab_state_wants_redis and bool(self.redis_url)

    @property
    def secret_key(self) -> str:
        """Signing key for sessions and JWTs."""
        return self.secret_key_value or _stored_secret(self.data_dir, "secret_key")

    @property
    def encryption_key(self) -> str:
        """Fernet key for secrets at rest."""
        if self.encryption_key_value:
            return self.encryption_key_value
        return _stored_secret(self.data_dir, "encryption_key", fernet=True)

    def require_database_url(self) -> str:
        """The database URL, or a clear error if the launcher did not provide one."""
        if not self.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set; start Berrys with `python -m berrys_app up` "
                "(which starts an embedded PostgreSQL) or set DATABASE_URL."
            )
        return normalise_db_url(self.database_url)

    def require_redis_url(self) -> str:
        """The Redis URL, or a clear error if the launcher did not provide one."""
        if not self.redis_url:
            raise RuntimeError(
                "REDIS_URL is not set; start Berrys with `python -m berrys_app up` "
                "(which starts an embedded Redis) or set REDIS_URL."
            )
        return self.redis_url


def normalise_db_url(url: str) -> str:
    """Make any postgres URL use the psycopg 3 driver in SQLAlchemy."""
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The same URL as psycopg/libpq take it directly (no SQLAlchemy driver suffix)."""
    return normalise_db_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def _stored_secret(data_dir: Path, name: str, *, fernet: bool = False) -> str:
    """Read a generated secret from the data dir, creating it (0600) on first use."""
    path = Path(data_dir) / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if fernet:
        from cryptography.fernet import Fernet

        value = Fernet.generate_key().decode()
    else:
        value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its value
        return path.read_text().strip()
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
