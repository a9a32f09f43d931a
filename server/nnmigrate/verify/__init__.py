"""Verification: weight transfer, the worker process that runs both frameworks, and its client."""
