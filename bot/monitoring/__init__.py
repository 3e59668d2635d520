"""Seeing what happens: Prometheus metrics, the health endpoint, structured logs, stats."""
