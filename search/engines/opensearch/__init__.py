"""The OpenSearch engine: the same search on a cluster."""
