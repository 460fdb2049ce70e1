# The CLI tests set up their data with the Python client.
from tests.client.conftest import registry

__all__ = ["registry"]
