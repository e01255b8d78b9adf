"""The demo shop: a deterministic, believable catalog for trying the shop and for benchmarks."""
