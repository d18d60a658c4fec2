"""The embedded engine: an index folder of Whoosh stored fields, columns and our own .grams files."""
