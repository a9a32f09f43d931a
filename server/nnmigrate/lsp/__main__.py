"""`python -m nnmigrate.lsp` starts the language server on stdio (same as `nnmigrate serve`)."""

from nnmigrate.lsp.server import main

raise SystemExit(main())
