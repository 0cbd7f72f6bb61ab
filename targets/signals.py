"""Signals lower apps send so that a higher one can act without being imported."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the commit of a transaction that recorded RecomputeRequests (once for a
# batch). progress connects the rollup dispatcher to it.
recompute_requested = Signal()
