"""Vector stores behind one typed interface, a registry, and backends."""
