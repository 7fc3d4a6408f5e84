"""The staff roles. Tokens carry one role of `trust.tokens.Role`; the bot accepts all of them (a resident's
token verifies, so it can be told 403 rather than 401) and each staff route names the roles it serves.

There is no hierarchy: a route that a supervisor may use lists `SUPERVISOR`. The consoles decide what each
role does (issue 12: agents answer residents; issue 13: editors edit, supervisors approve and publish).
"""

from __future__ import annotations

from trust.tokens import Role

STAFF_ROLES = frozenset({Role.AGENT, Role.EDITOR, Role.SUPERVISOR})
ACCEPTED_ROLES = tuple(Role)

LABELS = {
    Role.RESIDENT: "Resident",
    Role.AGENT: "Agent",
    Role.EDITOR: "Editor",
    Role.SUPERVISOR: "Supervisor",
}

__all__ = ["ACCEPTED_ROLES", "LABELS", "STAFF_ROLES", "Role"]
