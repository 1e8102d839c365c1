"""Desk services: the only code that writes.

Each public function validates its input, runs in one transaction, appends an audit event
with the signed-in actor, and raises ``DeskError`` with a message a clerk understands.
"""

from .base import DeskError, audit, require_role, transaction

__all__ = ["DeskError", "audit", "require_role", "transaction"]
