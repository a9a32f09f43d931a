"""`python -m nnmigrate` runs the command-line interface."""

from nnmigrate.cli import main

raise SystemExit(main())
