"""The registry: the single source of every column (schema) and every controlled word (vocab).

The clean, the importers, the notebooks and the codebook all derive from it; it imports nothing of the project.
"""
