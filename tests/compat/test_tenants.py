"""Multi-tenancy and aliases through Weaviate's own v4 client against a real weavebind (clients/v4_tenants.py)."""

from __future__ import annotations

import pytest

from tests.compat.conftest import CLIENTS, run_scenario

pytestmark = pytest.mark.slow
SCRIPT = CLIENTS / "v4_tenants.py"


@pytest.mark.parametrize("scenario", ["tenants_api", "tenants_data", "tenants_activity", "aliases"])
def test_v4_multi_tenancy(server, scenario):
    run_scenario("v4", scenario, server, script=SCRIPT)
