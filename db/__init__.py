"""Storage: schema, engine, migrations and the one write path for reports (store)."""
