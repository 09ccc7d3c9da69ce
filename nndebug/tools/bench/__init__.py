"""Speed figures of the kit against the seed's own code, one module a section (see commands/bench.py)."""
