"""Shared by every test: a clean COMPANION_STRICT."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    # A developer's shell may export COMPANION_STRICT=1; tests that need strict mode set it themselves.
    monkeypatch.delenv("COMPANION_STRICT", raising=False)
