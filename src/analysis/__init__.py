"""Oskil: clean hand-coded reports about the Russia–Ukraine war and analyse them in notebooks."""

__version__ = "0.1.0"
