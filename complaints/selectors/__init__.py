"""Reads that more than one door needs, one module per subject (common: scope and settings)."""
