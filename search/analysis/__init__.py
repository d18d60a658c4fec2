"""Corpus analyses over matches: trend, concordance (KWIC), collocates."""
