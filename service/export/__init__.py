"""Researcher exports: CSV, JSON and Parquet of released values with their privacy metadata."""
