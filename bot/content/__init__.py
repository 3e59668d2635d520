"""Content files → validated topics; translation state; the editors' linter."""
