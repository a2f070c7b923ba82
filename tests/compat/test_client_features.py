"""Multi-tenancy, aliases and backups through Weaviate's own v4 Python client, and those plus cross-references, nested
properties, multi-target vectors and aggregations through its v3 TypeScript client, against a real weavebind
(clients/v4_features.py, clients/ts3_features.mjs)."""

from __future__ import annotations

import pytest

from tests.compat.conftest import CLIENTS, run_scenario

pytestmark = pytest.mark.slow
SCRIPT = CLIENTS / "v4_features.py"
TS3_SCRIPT = CLIENTS / "ts3_features.mjs"


@pytest.mark.parametrize("scenario", ["tenants_api", "tenants_data", "tenants_activity", "aliases", "backups"])
def test_v4_multi_tenancy(server, scenario):
    run_scenario("v4", scenario, server, script=SCRIPT)


def test_v4_backups_on_s3(s3_server):
    run_scenario("v4", "backups_s3", s3_server, script=SCRIPT)


@pytest.mark.parametrize("scenario", ["tenants", "aliases", "references", "shapes"])
def test_ts3_multi_tenancy_aliases_references_shapes(server, scenario):
    run_scenario("ts3", scenario, server, script=TS3_SCRIPT)
