"""Command line: `weavebind serve` takes the flags of Weaviate's binary, so docker-compose `command:` lines work."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys

from weavebind import migrate as migrate_command
from weavebind.server.settings import SettingsError, load_settings
from weavebind.vectorizers import inference_server


def _serve(args: argparse.Namespace) -> int:
    # Before FAISS (and its OpenMP runtime, which reads it once) loads: OpenMP threads that spin between parallel
    # regions take the cores the request threads need, and a team waiting for a descheduled thread stalls; on 2
    # busy cores FAISS HNSW adds with 2 threads ran 2-5x faster with passive waiting (docs/architecture.md).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import uvicorn

    from weavebind.server.app import create_app

    if args.scheme != "http":
        print(f"weavebind: --scheme {args.scheme} is not supported; terminate TLS in front of weavebind",
              file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"weavebind: {exc}", file=sys.stderr)
        return 2
    level = settings.log_level.upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workers = args.workers or settings.weavebind_workers
    if args.worker_id is None and workers > 1:
        from weavebind.server.workers import Supervisor

        serve_args = ["--host", args.host, "--port", str(args.port), "--keep-alive-timeout",
                      str(args.keep_alive_timeout)]
        return Supervisor(settings.replace(weavebind_workers=workers), serve_args, workers, args.host).run()
    app = create_app(settings, port=args.port, host=args.host, worker_id=args.worker_id)
    _tune_garbage_collector()
    # No per-request access log below debug, as Weaviate: a log line per query cost ~10 % of a vector query.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=settings.log_level.lower(),
                            access_log=level in ("DEBUG", "TRACE"), timeout_keep_alive=int(args.keep_alive_timeout))
    server = uvicorn.Server(config)
    # A worker shares the port with its siblings (SO_REUSEPORT: the kernel spreads connections over them).
    server.run(sockets=[_shared_socket(args.host, args.port)] if args.worker_id is not None else None)
    return 0


def _shared_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _tune_garbage_collector() -> None:
    """A GraphQL query allocates thousands of short-lived objects; with CPython's default thresholds every ~70
    queries paid a 100 ms full collection over everything the server holds (measured: bench/query_bench.py p99).
    The long-lived start-up objects are moved out of collection, and young collections run less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _inference(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"weavebind: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return inference_server.run(args, settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="weavebind", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Weaviate-compatible server")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--scheme", default="http", help="only http; kept for Weaviate's command line")
    serve.add_argument("--keep-alive-timeout", default=5, type=float)
    serve.add_argument("--workers", type=int, default=0,
                       help="worker processes answering on the same ports (default: WEAVEBIND_WORKERS, 1)")
    serve.add_argument("--worker-id", type=int, default=None, help=argparse.SUPPRESS)  # set by the supervisor
    # Accepted and ignored so Weaviate's docker-compose command lines run unchanged.
    for ignored in ("--read-timeout", "--write-timeout", "--cleanup-timeout", "--graceful-timeout",
                    "--max-header-size", "--socket-path", "--tls-host", "--tls-port", "--tls-certificate",
                    "--tls-key"):
        serve.add_argument(ignored, help=argparse.SUPPRESS)
    serve.set_defaults(handler=_serve)
    inference = commands.add_parser("inference", help="serve the local models over Weaviate's inference API")
    inference_server.add_arguments(inference)
    inference.set_defaults(handler=_inference)
    migrate = commands.add_parser("migrate", help="copy a class (schema, objects, vectors) between two servers "
                                  "with Weaviate's REST API (Weaviate to weavebind, or back)")
    migrate_command.add_arguments(migrate)
    migrate.set_defaults(handler=migrate_command.run)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line. Flags without a command (`weavebind --host 0.0.0.0 --port 8080 --scheme http`) mean
    `serve`: that is how Weaviate's binary is called, so a docker-compose `command:` written for Weaviate runs
    unchanged against the image's `ENTRYPOINT ["weavebind"]`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("--") and argv[0] != "--help":
        argv.insert(0, "serve")
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.exit(args.handler(args))
