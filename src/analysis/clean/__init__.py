"""Cleaning: raw hand-coded CSVs -> typed, validated, deterministic processed tables.

Nothing in this package imports the analysis or run code: data flows one way.
"""
