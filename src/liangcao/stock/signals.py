"""Signals the ledger sends, after commit, so other apps can follow its documents without the
ledger knowing them (demand updates the lists a shipment serves)."""

from django.dispatch import Signal

# Sent with `document_id` after a shipment was dispatched, received, closed or cancelled.
shipment_changed = Signal()
