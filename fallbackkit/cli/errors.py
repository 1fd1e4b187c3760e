"""Exit codes and the one error a command raises for a bad request (not a bad design file)."""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A problem with what was asked (not with a design file); exit 2 with the message."""
