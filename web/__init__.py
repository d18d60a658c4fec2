"""The web UI (Flask + htmx) over the search library."""
