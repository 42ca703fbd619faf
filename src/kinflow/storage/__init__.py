"""Storage: the database engine, the fixed schema and its migrations, and per-app record tables."""
