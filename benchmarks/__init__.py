"""Benchmarks of mldesign (not run by the test suite): see docs/benchmarks.md."""
