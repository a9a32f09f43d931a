"""One module per LSP method or command; each takes a snapshot, calls the library and converts the result."""
