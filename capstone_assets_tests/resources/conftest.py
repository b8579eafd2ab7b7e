"""Fixtures of the RedshiftWarehouse tests (test_redshift_warehouse.py, test_redshift_connections.py): the fake
driver (fake_redshift.py) in `redshift_connector.connect`'s place, with retries that do not sleep, and a warehouse
connecting through it."""

from __future__ import annotations

import pytest
import redshift_connector

from capstone_assets.resources import RedshiftWarehouse
from capstone_assets.resources import redshift_retry
from capstone_assets_tests.resources.fake_redshift import PASSWORD, ROLE, FakeDriver


@pytest.fixture
def driver(monkeypatch):
    fake = FakeDriver()
    monkeypatch.setattr(redshift_connector, "connect", fake)
    monkeypatch.setattr(redshift_retry.time, "sleep", lambda seconds: None)
    return fake


@pytest.fixture
def fake_redshift(driver):
    warehouse = RedshiftWarehouse(host="example", database="dev", user="loader", password=PASSWORD, iam_role=ROLE)
    return warehouse, driver.log, driver.script
