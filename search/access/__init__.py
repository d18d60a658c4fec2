"""Who may do and see what: actors, user accounts, restricted documents, the audit log."""

from search.access.actor import LOCAL_OWNER, Actor
from search.access.documents import parse_groups

__all__ = ["LOCAL_OWNER", "Actor", "parse_groups"]
