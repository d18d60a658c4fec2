"""Search engines behind one seam: the embedded one (Whoosh + grams) and OpenSearch."""
