"""The Python client of Berrys: ``Berrys`` (errors, pagination, live events, waiting), the typed
REST operations in ``berrys_client.rest`` (generated from the server's OpenAPI document), and the
``berrys`` command line."""

from berrys_client.client import FINISHED, Berrys, BerrysError

__all__ = ["FINISHED", "Berrys", "BerrysError"]
