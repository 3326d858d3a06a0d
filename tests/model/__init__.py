"""Tests of backend.model."""
