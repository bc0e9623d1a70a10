"""Generated sections of the documents: `python -m analysis.docgen.codebook` (docs/codebook.md, from the
registry) and `python -m analysis.docgen.data_coverage` (docs/data.md, from the processed tables)."""
