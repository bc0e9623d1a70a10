"""Importers: map ACLED and UCDP GED exports into Oskil's processed tables (see docs/importers.md)."""
