"""The Python SDK (clients/python) has a typed function for every REST operation: its
``berrys_client.rest`` package is generated from this OpenAPI document (``regenerate.sh``), so a
route added without regenerating fails here."""

from __future__ import annotations

import pkgutil

import berrys_client.rest.api as generated
from berrys_app.api.app import create_api


def _generated_operations() -> set[str]:
    found = set()
    for tag in pkgutil.iter_modules(generated.__path__):
        package = __import__(f"{generated.__name__}.{tag.name}", fromlist=["__path__"])
        found |= {module.name for module in pkgutil.iter_modules(package.__path__)}
    return found


def test_every_rest_operation_has_a_generated_sdk_function() -> None:
    spec = create_api().openapi()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert len(operations) == sum(len(path) for path in spec["paths"].values()), "operation ids must be unique"
    missing = operations - _generated_operations()
    assert not missing, f"run clients/python/regenerate.sh: no SDK function for {sorted(missing)}"
