"""The package version (no imports: read by `keras-attention --version`)."""

__version__ = "0.1.0"
