"""Saved queries, their alerts and alert mail."""
