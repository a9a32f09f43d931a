"""The nnmigrate language server (pygls 2): an editor face over the migration library, holding no migration logic.

Layers, bottom up: ``engine`` (the one door to the library), ``blocks``/``documents`` (top-level block
cache), ``settings``/``session`` (state), ``convert``/``edits`` (library values -> lsprotocol),
``scheduling``/``verify_runner`` (when and where work runs), ``handlers/`` (one file per LSP method),
``server`` (registration and ``main``). Nothing outside this package imports it.
"""
