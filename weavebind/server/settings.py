"""Server settings: one table of environment variables, Weaviate's names and defaults first.

Every setting is read here and only here; modules and storage receive the parsed `Settings` object. A malformed
value stops the server at start-up with a message that names the variable (`SettingsError`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weavebind.server.settings_parse import (
    BACKUP_MODULES,
    VECTORIZER_MODULES,
    parse_auto_bool,
    parse_bool,
    parse_distance,
    parse_duration_seconds,
    parse_int,
    parse_list,
    parse_log_level,
    parse_media_pixels,
    parse_modules,
    parse_non_negative_int,
    parse_port,
    parse_port_or_any,
    parse_positive_duration,
    parse_positive_int,
    parse_synchronous,
    parse_url,
)
from weavebind.vectorizers.limits import DEFAULT_LIMITS as _MEDIA


class SettingsError(ValueError):
    """A setting could not be parsed; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default (as the raw string), parser and help text."""

    name: str
    default: str
    parse: Callable[[str], Any]
    help: str

    @property
    def field(self) -> str:
        return self.name.lower()


SETTINGS: tuple[Setting, ...] = (
    Setting("PERSISTENCE_DATA_PATH", "/var/lib/weaviate", str,
            "Directory for the SQLite database and the FAISS index snapshots."),
    Setting("QUERY_DEFAULTS_LIMIT", "10", parse_positive_int,
            "Default page size of REST object lists and offset-only GraphQL queries."),
    Setting("QUERY_DEFAULTS_LIMIT_GRAPHQL", "100", parse_positive_int, "Default GraphQL Get limit."),
    Setting("QUERY_MAXIMUM_RESULTS", "10000", parse_positive_int,
            "Upper bound of offset + limit for any query, and of a batch delete's matches."),
    Setting("QUERY_HYBRID_MAXIMUM_RESULTS", "100", parse_positive_int, "Results fetched per leg of a hybrid search."),
    Setting("WEAVEBIND_GRAPHQL_MAX_SEARCHES", "100", parse_positive_int,
            "Most searches one GraphQL request may ask for: `Get` and `Aggregate` class fields (each alias counts) "
            "and `Explore`. More → a GraphQL error before any search runs."),
    Setting("WEAVEBIND_GRAPHQL_MAX_RESULTS", "100000", parse_positive_int,
            "Most results one GraphQL request may ask for: limit + offset (default limit where absent; objectLimit "
            "for Aggregate) summed over its searches. More → a GraphQL error before any search runs."),
    Setting("DEFAULT_VECTORIZER_MODULE", "none", str,
            "Vectorizer of classes created without one: `none` or an enabled module."),
    Setting("ENABLE_MODULES", "", parse_modules,
            "Comma-separated modules to enable: multi2vec-clip, multi2vec-bind (vectorizers), backup-filesystem, "
            "backup-s3 (backup backends; both may be enabled)."),
    Setting("BACKUP_FILESYSTEM_PATH", "", str,
            "Directory the backup-filesystem module writes backups to (one folder per backup id); required when "
            "backup-filesystem is enabled."),
    Setting("BACKUP_S3_BUCKET", "", str,
            "Bucket the backup-s3 module writes backups to; required when backup-s3 is enabled."),
    Setting("BACKUP_S3_PATH", "", str,
            "Key prefix inside the bucket (backups are stored as `<path>/<backup id>/...`); empty = the bucket's "
            "root."),
    Setting("BACKUP_S3_ENDPOINT", "s3.amazonaws.com", str,
            "S3 endpoint as host[:port]: AWS by default, or an S3-compatible server such as MinIO (addressed with "
            "path-style bucket names)."),
    Setting("BACKUP_S3_USE_SSL", "true", parse_bool, "Talk to the S3 endpoint over HTTPS."),
    Setting("AWS_ACCESS_KEY_ID", "", str,
            "Access key of backup-s3. Unset (with AWS_ACCESS_KEY also unset): boto3's own chain (shared "
            "credentials file, instance or container role)."),
    Setting("AWS_ACCESS_KEY", "", str, "Alternative name of AWS_ACCESS_KEY_ID, as Weaviate accepts it."),
    Setting("AWS_SECRET_ACCESS_KEY", "", str, "Secret key of backup-s3."),
    Setting("AWS_SECRET_KEY", "", str, "Alternative name of AWS_SECRET_ACCESS_KEY, as Weaviate accepts it."),
    Setting("AWS_SESSION_TOKEN", "", str, "Session token of backup-s3, with temporary credentials."),
    Setting("AWS_REGION", "", str, "Region of the backup-s3 bucket; unset: AWS_DEFAULT_REGION, then us-east-1."),
    Setting("AWS_DEFAULT_REGION", "", str, "Region of the backup-s3 bucket when AWS_REGION is unset."),
    Setting("CLIP_INFERENCE_API", "", parse_url,
            "Base URL of the multi2vec-clip inference container. Unset: multi2vec-clip classes can be created, "
            "but vectorizing answers 503."),
    Setting("CLIP_WAIT_FOR_STARTUP", "true", parse_bool,
            "Wait at start-up until the CLIP container answers `/.well-known/ready`."),
    Setting("BIND_INFERENCE_API", "", parse_url,
            "Base URL of the multi2vec-bind inference container (always waited for at start-up)."),
    Setting("MODULES_CLIENT_TIMEOUT", "50s", parse_positive_duration,
            "Go duration: total time one inference request may take, retries included."),
    Setting("WEAVEBIND_MODULES_INIT_TIMEOUT", "120s", parse_positive_duration,
            "Go duration: how long start-up waits for the inference containers to be ready (Weaviate: 120 s)."),
    Setting("WEAVEBIND_INFERENCE_BATCH_SIZE", "64", parse_positive_int,
            "Most inputs (texts, images, ...) sent in one `/vectorize` request when a batch is vectorized."),
    Setting("WEAVEBIND_INFERENCE_CONCURRENCY", "8", parse_positive_int,
            "Most `/vectorize` requests in flight to one inference container."),
    Setting("AUTOSCHEMA_ENABLED", "true", parse_bool,
            "Create unknown classes and properties when objects are imported."),
    Setting("AUTOSCHEMA_DEFAULT_NUMBER", "number", str, "dataType auto-schema gives JSON numbers: number or int."),
    Setting("DEFAULT_VECTOR_DISTANCE_METRIC", "cosine", parse_distance,
            "Distance of vector indexes created without `vectorIndexConfig.distance`."),
    Setting("AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED", "true", parse_bool,
            "Allow requests without credentials."),
    Setting("AUTHENTICATION_APIKEY_ENABLED", "false", parse_bool,
            "Accept `Authorization: Bearer <key>` API keys."),
    Setting("AUTHENTICATION_APIKEY_ALLOWED_KEYS", "", parse_list, "Comma-separated API keys."),
    Setting("AUTHENTICATION_APIKEY_USERS", "", parse_list,
            "Comma-separated user names, one per key (or one name for all keys)."),
    Setting("AUTHENTICATION_OIDC_ENABLED", "false", parse_bool,
            "OIDC is not supported by weavebind; `true` stops the server at start-up."),
    Setting("AUTHORIZATION_ADMINLIST_ENABLED", "false", parse_bool,
            "Restrict access to the users in the admin and read-only lists."),
    Setting("AUTHORIZATION_ADMINLIST_USERS", "", parse_list, "Users allowed every operation."),
    Setting("AUTHORIZATION_ADMINLIST_READONLY_USERS", "", parse_list, "Users allowed read operations only."),
    Setting("WEAVEBIND_BATCH_BACKPRESSURE", "false", parse_bool,
            "Report the vector indexer's backlog as /v1/nodes batchStats.queueLength, so the clients' dynamic "
            "batching slows imports to the indexer's pace. Off: batchStats is what Weaviate reports with "
            "asynchronous indexing (no queueLength), and dynamic batching sends at full speed."),
    Setting("PROMETHEUS_MONITORING_ENABLED", "false", parse_bool,
            "Serve Prometheus metrics (Weaviate's names where it has them) on PROMETHEUS_MONITORING_PORT."),
    Setting("PROMETHEUS_MONITORING_PORT", "2112", parse_port,
            "Port of the Prometheus scrape endpoint (`/metrics`), on the HTTP server's host."),
    Setting("PROMETHEUS_MULTIPROC_DIR", "", str,
            "Set by `weavebind serve --workers` for its worker processes (prometheus_client's variable): the "
            "directory where each worker keeps its metrics, which the supervisor sums on PROMETHEUS_MONITORING_PORT. "
            "A server with it set does not open that port itself; leave it unset otherwise."),
    Setting("CLUSTER_HOSTNAME", "node1", str,
            "Name of this node (Weaviate's node name), reported by /v1/nodes and /v1/cluster/statistics."),
    Setting("GRPC_PORT", "50051", parse_port_or_any,
            "Port of the gRPC API (the v4 Python client's queries and batches). 0 = any free port, logged at "
            "start-up (for tests and side-by-side servers)."),
    Setting("ENABLE_CUDA", "false", parse_bool,
            "Search flat vector indexes on the GPU (needs the [gpu] extra) and run local models on CUDA."),
    Setting("LOG_LEVEL", "info", parse_log_level,
            "trace, debug, info, warning, error, fatal or panic (Weaviate's levels; trace = debug, fatal/panic = "
            "critical)."),
    Setting("WEAVEBIND_DATABASE_URL", "", str,
            "SQLAlchemy URL of the database; empty = SQLite file `weavebind.sqlite3` under PERSISTENCE_DATA_PATH."),
    Setting("WEAVEBIND_WEAVIATE_VERSION", "1.32.0", str,
            "Weaviate version reported by /v1/meta; clients pick features by it (v4 needs >= 1.27, sends "
            "Aggregate over gRPC from 1.29 and offers aliases from 1.32). See docs/compatibility.md before raising "
            "it."),
    Setting("WEAVEBIND_MAX_REQUEST_BYTES", "104858000", parse_positive_int,
            "Largest accepted request body in bytes (Weaviate's default gRPC message size); larger → 413, refused "
            "before it is read whole. Also the gRPC message limit (larger → RESOURCE_EXHAUSTED), advertised by "
            "/v1/meta as grpcMaxMessageSize."),
    Setting("WEAVEBIND_SQLITE_SYNCHRONOUS", "NORMAL", parse_synchronous,
            "SQLite durability: NORMAL = an acknowledged write survives a crash or kill -9 of the server; FULL = "
            "also survives power loss (fsync per commit, slower imports)."),
    Setting("WEAVEBIND_WORKERS", "1", parse_positive_int,
            "Worker processes that answer HTTP and gRPC on the same ports (`weavebind serve --workers N` wins). "
            "Worker 0 builds the vector indexes and publishes them; the others map them read-only, so the "
            "indexes take memory once. See docs/deploy.md."),
    Setting("WEAVEBIND_SHARED_DATABASE", "auto", parse_auto_bool,
            "Whether other servers write to the same database (worker processes, nodes over one PostgreSQL): "
            "each request then first applies their changes, so it sees every write acknowledged before it "
            "started. auto = true for PostgreSQL and for more than one worker; false for one SQLite process."),
    Setting("WEAVEBIND_INDEX_SNAPSHOT_SECONDS", "30", parse_positive_int,
            "How often changed FAISS indexes are written to disk; a restart replays only later changes from SQL."),
    Setting("WEAVEBIND_PENDING_LIMIT_MB", "2048", parse_non_negative_int,
            "Most MB of vectors waiting for the background vector indexer (acknowledged, searchable by exact scan, "
            "not yet in HNSW); past it a write with vectors waits for the indexer (at most 60 s), so a long import "
            "goes at the indexer's pace instead of running out of memory. 0 = no limit."),
    Setting("OMP_WAIT_POLICY", "PASSIVE", str,
            "OpenMP's wait policy for FAISS, which `weavebind serve` sets (unless given) before FAISS loads: "
            "PASSIVE = threads between parallel regions sleep rather than spin on cores the request threads need. "
            "ACTIVE (OpenMP's spinning) may suit a machine given to weavebind alone."),
    # In-process models and `weavebind inference` (weavebind/vectorizers/models, docs/models.md).
    Setting("CLIP_MODEL_NAME", "sentence-transformers/clip-ViT-B-32", str,
            "Local multi2vec-clip model (the container's build argument): a Hugging Face hub name, fetched once into "
            "the Hugging Face cache, or a local directory; a sentence-transformers CLIP or a Hugging Face CLIPModel. "
            "A model baked by `weavebind inference download` under WEAVEBIND_MODELS_PATH wins."),
    Setting("TEXT_MODEL_NAME", "", str,
            "Separate text model for local multi2vec-clip (e.g. sentence-transformers/clip-ViT-B-32-multilingual-v1); "
            "empty: CLIP_MODEL_NAME's text tower."),
    Setting("CUDA_CORE", "cuda:0", str, "torch device of the local models when ENABLE_CUDA is set."),
    Setting("WEAVEBIND_MODELS_PATH", "models", str,
            "Directory of baked CLIP models (`clip/`, `text/`, as the container's `/app/models`)."),
    Setting("WEAVEBIND_BIND_CHECKPOINT", "", str,
            "Path of imagebind_huge.pth for local multi2vec-bind. Empty: `.checkpoints/imagebind_huge.pth`, then "
            "torch hub's cache, else downloaded from Meta on first use (weights CC BY-NC-SA 4.0, non-commercial)."),
    Setting("WEAVEBIND_MODEL_PRECISION", "float32", str,
            "float32 (the containers' vectors), float16 or bfloat16 (autocast, CUDA only) for the local models."),
    Setting("WEAVEBIND_TORCH_THREADS", "0", parse_int, "torch CPU threads for the local models; 0 = every CPU."),
    Setting("WEAVEBIND_MODEL_MAX_BATCH", "32", parse_positive_int,
            "Most items in one forward pass of a local model (an ImageBind video counts 15, an audio 3)."),
    Setting("WEAVEBIND_MODEL_MAX_WAIT", "2ms", parse_duration_seconds,
            "How long a local model's batch waits for more concurrent requests before its forward pass."),
    # What one media item may cost the local models to decode, checked from its header (docs/modules.md).
    Setting("WEAVEBIND_MEDIA_MAX_SIDE", str(_MEDIA.max_side), parse_positive_int,
            "Most pixels per side of an image, depth or thermal map, or video frame given to a local model."),
    Setting("WEAVEBIND_MEDIA_MAX_PIXELS", str(_MEDIA.max_pixels), parse_media_pixels,
            "Most pixels of an image, map or video frame, also once scaled to 224 on its short side (so an extreme "
            "aspect ratio such as 16000 x 2 is refused)."),
    Setting("WEAVEBIND_MEDIA_MAX_SECONDS", f"{_MEDIA.max_seconds:g}s", parse_positive_duration,
            "Longest audio or video file given to a local model."),
    Setting("WEAVEBIND_MEDIA_MAX_FRAMES", str(_MEDIA.max_frames), parse_positive_int,
            "Most frames of a video file, and most frames decoded for one clip of it."),
    Setting("WEAVEBIND_MEDIA_MAX_SAMPLES", str(_MEDIA.max_samples), parse_positive_int,
            "Most audio samples over all channels, counted at 16 kHz or the file's rate if higher (the model "
            "resamples to 16 kHz); for IMU, most values (rows x 6)."),
)


@dataclass(frozen=True)
class Settings:
    """The parsed settings: one attribute per table row, lower-cased (`settings.query_defaults_limit`)."""

    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.persistence_data_path)

    @property
    def database_url(self) -> str:
        if self.weavebind_database_url:
            return self.weavebind_database_url
        return f"sqlite:///{self.data_path / 'weavebind.sqlite3'}"

    @property
    def shares_database(self) -> bool:
        """Whether other servers may write to this server's database (WEAVEBIND_SHARED_DATABASE)."""
        chosen = self.weavebind_shared_database
        if chosen != "auto":
            return chosen == "true"
        return not self.database_url.startswith("sqlite") or self.weavebind_workers > 1

    def replace(self, **changes: Any) -> Settings:
        return Settings({**self.values, **changes})


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse every setting from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.name, setting.default)
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"invalid value for {setting.name}: {exc}") from None
    enabled = values["enable_modules"]
    values["enable_modules"] = tuple(m for m in enabled if m in VECTORIZER_MODULES)
    values["backup_modules"] = tuple(m for m in enabled if m in BACKUP_MODULES)
    _check_consistency(values)
    return Settings(values)


def _check_consistency(values: dict[str, Any]) -> None:
    default = values["default_vectorizer_module"]
    if default != "none" and default not in values["enable_modules"]:
        raise SettingsError(
            f"invalid value for DEFAULT_VECTORIZER_MODULE: module {default!r} is not enabled in ENABLE_MODULES"
        )
    if "backup-filesystem" in values["backup_modules"] and not values["backup_filesystem_path"]:
        raise SettingsError("invalid value for BACKUP_FILESYSTEM_PATH: backup-filesystem is enabled in "
                            "ENABLE_MODULES, so it needs the directory to write backups to")
    if "backup-s3" in values["backup_modules"] and not values["backup_s3_bucket"]:
        raise SettingsError("invalid value for BACKUP_S3_BUCKET: backup-s3 is enabled in ENABLE_MODULES, so it "
                            "needs the bucket to write backups to")
    if values["authentication_oidc_enabled"]:
        raise SettingsError("invalid value for AUTHENTICATION_OIDC_ENABLED: weavebind does not support OIDC; "
                            "use AUTHENTICATION_APIKEY_ENABLED")
    keys, users = values["authentication_apikey_allowed_keys"], values["authentication_apikey_users"]
    if values["authentication_apikey_enabled"]:
        if not keys:
            raise SettingsError("invalid value for AUTHENTICATION_APIKEY_ALLOWED_KEYS: "
                                "API-key authentication is enabled but no keys are set")
        if len(users) not in (1, len(keys)):
            raise SettingsError("invalid value for AUTHENTICATION_APIKEY_USERS: give one user for all keys "
                                f"or one per key ({len(keys)} keys, {len(users)} users)")
    if values["autoschema_default_number"] not in ("number", "int"):
        raise SettingsError("invalid value for AUTOSCHEMA_DEFAULT_NUMBER: expected number or int")
