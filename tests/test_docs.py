"""Documentation that must follow the code: the settings table, and every environment variable the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

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


# What users do not have: the project's internal notes and the paths of its developers' machines.
OUTSIDE_REFERENCES = [
    (re.compile(r"(?<![\w.-])/work/"), "a path on a developer's machine"),
    (re.compile(r"(?<![\w.-])shared/"), "the project's shared folder"),
    (re.compile(r"\bdesign\.md\b|\binference\.md\b|\bweaviate-api\.md\b|(?<![\w.-])spec/"), "an internal note"),
    (re.compile(r"(?<![\w-])spec\b|project's (notes|spec)", re.IGNORECASE), "a section of the internal notes"),
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCS = sorted((ROOT / "docs").glob("*.md"))


def _outside_references(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in OUTSIDE_REFERENCES:
            for match in pattern.finditer(line):
                found.append(f"line {number}: {match.group(0)!r} ({what})")
    return found


def _broken_links(doc: Path, text: str) -> list[str]:
    """Relative links must name a file inside the repository that exists (anchors are not checked)."""
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(f"link {target!r} leads outside the repository or to nothing")
    return broken


@pytest.mark.parametrize("text", ["/work/shared/spec/weaviate-api.md", "as shared/design.md says", "see design.md",
                                  "(spec 3.1)", "Spec section 1", "the project's notes", "inference.md 1.2"])
def test_references_outside_the_repository_are_found(text):
    assert _outside_references(text)


def test_what_users_have_is_not_flagged():
    text = "--chroma-spec x, a specification, inspect, docs/models.md, --venv /tmp/x, `weavebind/server/app.py`"
    assert _outside_references(text) == []
    links = "[a](graphql.md) [b](compatibility.md#graphql) [c](https://weaviate.io) [d](#top) [e](../../shared/x.md)"
    assert _broken_links(ROOT / "docs" / "x.md", links) == [
        "link '../../shared/x.md' leads outside the repository or to nothing"]


def test_docs_stand_alone():
    """Pages are read by users: no link or name may point at what only the project's developers have."""
    assert DOCS
    problems = [f"{doc.relative_to(ROOT)}: {problem}" for doc in DOCS
                for problem in _outside_references(doc.read_text()) + _broken_links(doc, doc.read_text())]
    assert not problems, "\n".join(problems)
