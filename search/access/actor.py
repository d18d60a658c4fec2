"""The actor: who a request (or a command) acts for."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("reader", "admin")


@dataclass(frozen=True)
class Actor:
    """A signed-in user (or the machine's owner): a name, a role and the groups it belongs to."""

    name: str
    role: str = "reader"
    groups: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        """Whether the actor has the admin role."""
        return self.role == "admin"


# Without an auth mode (one person on their own machine) and on the CLI: the owner, who sees everything.
LOCAL_OWNER = Actor(name="", role="admin")
