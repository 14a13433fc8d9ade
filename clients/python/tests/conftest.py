"""The live tests run against a real `fennel dev` (PythonClientIT starts one) named by the
environment: FENNEL_BOOTSTRAP, FENNEL_API and FENNEL_API_TOKEN (the API is token-guarded).

    FENNEL_API_TOKEN=secret ./fennel dev --kafka-port 19092 --api-port 18080
    FENNEL_BOOTSTRAP=localhost:19092 FENNEL_API=http://127.0.0.1:18080 FENNEL_API_TOKEN=secret \\
      python3 -m pytest clients/python/tests
"""

from __future__ import annotations

import os
import pathlib
import sys
from typing import Iterator

import pytest

# The package from this checkout, whether or not it is installed.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fennel  # noqa: E402


@pytest.fixture(scope="session")
def app() -> Iterator[fennel.Fennel]:
    missing = [
        v for v in ("FENNEL_BOOTSTRAP", "FENNEL_API", "FENNEL_API_TOKEN") if not os.environ.get(v)
    ]
    if missing:
        pytest.fail(
            f"the live tests need a token-guarded `fennel dev`; set {', '.join(missing)} "
            "(see tests/conftest.py)"
        )
    with fennel.Fennel(timeout=30) as client:
        yield client
