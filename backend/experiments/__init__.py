"""The paper's experiments (sharing, latency, migration) on network namespaces, as `vxi experiment` runs them."""
