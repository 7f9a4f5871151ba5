"""Allocation: the pure engine (`engine/`, no Django) and the Django side (runs, commit)."""
