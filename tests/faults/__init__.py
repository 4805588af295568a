"""Fault tests: their own PostgreSQL and Redis, stopped, restarted and killed."""
