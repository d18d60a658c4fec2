"""The ``search`` command."""
