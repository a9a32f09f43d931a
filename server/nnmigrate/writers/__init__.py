"""Writers: pivot model -> target framework source."""
