"""The embedding algorithms, each a `solve(ctx) -> Placement | None` behind one name."""
