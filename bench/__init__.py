"""Benchmarks (not part of the test run); results and commands in bench/RESULTS.md."""
