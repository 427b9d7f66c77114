"""Shared fixtures. ``../shared`` (beside the repo) holds benchmark and case data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DIGEST_PRIVATE_NETWORKS_ALLOWED", "127.0.0.0/8")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder; tests that need it fail clearly when it is missing."""
    if not SHARED.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED} (set DIGEST_SHARED_DIR)")
    return SHARED


@pytest.fixture(scope="session")
def cases_dir(shared_dir: Path) -> Path:
    return shared_dir / "cases"
