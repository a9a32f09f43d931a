"""Readers: framework source -> pivot model."""
