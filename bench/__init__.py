"""Benchmarks. `make bench` runs every stage's benchmark and prints figures, with ratios against a
baseline measured in the same run. Never timed inside unit tests."""
