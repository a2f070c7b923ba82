"""`weavebind --host ... --port ... --scheme ...` (Weaviate's binary's command line) means `weavebind serve ...`."""

from __future__ import annotations

import pytest

from weavebind import cli

WEAVIATE_COMPOSE_COMMAND = ["--host", "0.0.0.0", "--port", "8080", "--scheme", "http"]


def test_leading_flags_mean_serve():
    args = cli.parse_args(WEAVIATE_COMPOSE_COMMAND)
    assert (args.command, args.host, args.port, args.scheme) == ("serve", "0.0.0.0", 8080, "http")
    assert args.handler is cli._serve


def test_explicit_serve_is_unchanged():
    args = cli.parse_args(["serve", "--port", "9090"])
    assert (args.command, args.host, args.port, args.scheme) == ("serve", "0.0.0.0", 9090, "http")


def test_weaviate_timeout_flags_are_accepted_without_serve():
    args = cli.parse_args([*WEAVIATE_COMPOSE_COMMAND, "--read-timeout", "60s", "--write-timeout", "60s"])
    assert args.command == "serve"


def test_help_is_still_the_top_level_help(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.parse_args(["--help"])
    assert exc.value.code == 0
    assert "serve" in capsys.readouterr().out


def test_https_is_refused_before_anything_starts(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--host", "0.0.0.0", "--port", "8080", "--scheme", "https"])
    assert exc.value.code == 2
    assert "--scheme https is not supported" in capsys.readouterr().err
