"""Typed stack config: the models, the loader and the error formatting."""
