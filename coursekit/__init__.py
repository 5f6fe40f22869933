"""Build-time course plumbing for MkDocs: quiz, challenge and exercise blocks, and the
static assets (Pyodide, editor, pysim wheel) copied into the site."""
