"""Text as the engine reads and shows it: normalizing, highlighting, the analyzer, file properties."""
