"""Bare viewflow 2.4 with the complaint process's shape, for bench/lifecycle.py only: installed by
bench/settings_lifecycle.py, never by the product's settings."""
