"""Exact phrase search over Chinese government reports (library; never imports Flask)."""
