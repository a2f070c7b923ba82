"""Render the settings table (`weavebind.server.settings.SETTINGS`) as Markdown: the source of docs/settings.md.

Regenerate after changing a setting: `.venv/bin/python -m weavebind.server.settings_doc > docs/settings.md`
(`tests/test_docs.py` fails while the file is out of date).
"""

from __future__ import annotations

from weavebind.server.settings import SETTINGS

HEADER = """# Settings

weavebind is configured with environment variables only: Weaviate's names and defaults, plus a few of its own
prefixed `WEAVEBIND_`. A malformed value stops the server at start-up with a message that names the variable.

Generated from `weavebind/server/settings.py` by `python -m weavebind.server.settings_doc > docs/settings.md`;
do not edit by hand.

| name | default | meaning |
|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_settings_markdown() -> str:
    rows = [
        f"| `{s.name}` | {f'`{_cell(s.default)}`' if s.default else '(empty)'} | {_cell(s.help)} |"
        for s in SETTINGS
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(render_settings_markdown(), end="")
