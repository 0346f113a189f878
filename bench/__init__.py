"""Benchmarks against baselines, printed as tables; never part of the test run."""
