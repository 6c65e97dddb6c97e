"""Tools for tests, benchmarks and the demo; not used by the running apps."""
