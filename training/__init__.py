"""Corpus loaders, training, and the evaluation gate with pinned floors."""
