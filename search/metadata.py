"""Kept for older callers: the metadata code lives in the package :mod:`search.meta`."""

from .meta import *  # noqa: F403
from .meta import __all__  # noqa: F401
