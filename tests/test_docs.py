"""Documentation that must follow the code: the settings table, and every environment variable the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from weavebind.server.settings import SETTINGS
from weavebind.server.settings_doc import render_settings_markdown

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "weavebind"
SETTING_NAMES = {s.name for s in SETTINGS}
REGENERATE = ".venv/bin/python -m weavebind.server.settings_doc > docs/settings.md"


def test_settings_md_is_the_rendered_table():
    written = (ROOT / "docs" / "settings.md").read_text()
    assert written == render_settings_markdown(), f"docs/settings.md is out of date; run: {REGENERATE}"


def test_setting_names_are_unique():
    assert len(SETTING_NAMES) == len(SETTINGS)


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _env_reads(tree: ast.AST) -> list[tuple[int, ast.AST | None]]:
    """(line, key expression) of every os.environ[...] / os.environ.get(...) / os.getenv(...) in a module."""
    reads = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            reads.append((node.lineno, node.slice))
        elif isinstance(node, ast.Call):
            func = node.func
            is_getenv = (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                isinstance(func, ast.Name) and func.id == "getenv")
            is_environ_method = (isinstance(func, ast.Attribute) and _is_environ(func.value)
                                 and func.attr in ("get", "pop", "setdefault"))
            if is_getenv or is_environ_method:
                reads.append((node.lineno, node.args[0] if node.args else None))
    return reads


def test_every_environment_variable_read_is_in_the_settings_table():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(ROOT)
        for line, key in _env_reads(ast.parse(path.read_text(), str(path))):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                if key.value not in SETTING_NAMES:
                    problems.append(f"{where}:{line} reads {key.value}, which is not in SETTINGS")
            elif path.name != "settings.py":
                problems.append(f"{where}:{line} reads the environment by a computed name; "
                                "add a row to SETTINGS and use the parsed Settings instead")
        for name in sorted(set(re.findall(r"\bWEAVEBIND_[A-Z0-9_]+", path.read_text())) - SETTING_NAMES):
            problems.append(f"{where} names {name}, which is not in SETTINGS")
    assert not problems, "\n".join(problems)
