"""nnmigrate: migrate neural-network source code between PyTorch and Keras 3 through a pivot model."""

__version__ = "0.1.0"
