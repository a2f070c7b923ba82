"""docs/modules.md must name every module config key and every setting the modules read (design.md §5.6)."""

from __future__ import annotations

from pathlib import Path

from weavebind.server.settings import SETTINGS
from weavebind.vectorizers.base import MODALITIES
from weavebind.vectorizers.bind import BIND
from weavebind.vectorizers.clip import CLIP
from weavebind.vectorizers.settings import FIELD_KEYS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "modules.md").read_text()
MODULE_SETTINGS = {"ENABLE_MODULES", "DEFAULT_VECTORIZER_MODULE", "MODULES_CLIENT_TIMEOUT",
                   *(s.name for s in SETTINGS if "INFERENCE" in s.name or "MODULES" in s.name)}


def test_every_config_key_is_documented():
    keys = {key for keys in FIELD_KEYS.values() for key in keys} | {"weights.<key>", "inferenceUrl"}
    missing = sorted(key for key in keys if f"`{key}`" not in DOC)
    assert not missing, f"docs/modules.md does not name {missing}"


def test_every_module_setting_is_documented():
    names = MODULE_SETTINGS | {CLIP.url_variable, CLIP.wait_variable, BIND.url_variable}
    missing = sorted(name for name in names if f"`{name}`" not in DOC)
    assert not missing, f"docs/modules.md does not name {missing}"


def test_every_search_argument_is_documented():
    missing = [m.argument for m in MODALITIES if f"`{m.argument}`" not in DOC]
    assert not missing, f"docs/modules.md does not name {missing}"
