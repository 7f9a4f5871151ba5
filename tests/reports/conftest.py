"""Reports reuse the readiness ledger helper (stock posted at chosen days)."""

from tests.readiness.conftest import ledger

__all__ = ["ledger"]
