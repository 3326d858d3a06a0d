"""Tests of backend.experiments (without root: the kept runs of docs/plots)."""
