"""The nnmigrate language server (pygls 2): an editor face over the migration library, holding no migration logic.

Layers, bottom up: ``engine`` (the one door to the library), ``blocks``/``block_cache``/``documents``/``hover_context``
(top-level block cache, narrowed hover sources), ``settings``/``session`` (state), ``convert``/``edits``/
``diagnostics`` (library values -> lsprotocol), ``scheduling``/``verify_runner`` (when and where work runs),
``language_server`` (the pygls subclass), ``verify_job`` (one verify end to end), ``handlers/`` (one file per
LSP method or command), ``server`` (routing table and ``main``). Nothing outside this package imports it,
except ``cli.py`` calling ``server.main``. The contract with clients is in PROTOCOL.md.
"""
