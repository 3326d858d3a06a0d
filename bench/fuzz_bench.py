"""A longer run of the property tests of tests/vxdl/test_properties.py: how many cases each property ran, how
long it took, and what it found (a falsifying example, shrunk, or nothing).

Usage: python bench/fuzz_bench.py [--examples 500] [--seed N] [--only NAME]
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.vxdl.test_properties as properties
from tests.vxdl.strategies import mutated_documents, substrates, vxis

# Each property with the strategies it is given (the same as in the test module).
PROPERTIES = {
    "vxdl round trip (VXI)": ("test_a_generated_vxi_round_trips_through_vxdl", (vxis(),)),
    "vxdl round trip (substrate)": ("test_a_generated_substrate_round_trips_through_vxdl", (substrates(),)),
    "graphml round trip": ("test_a_generated_vxi_round_trips_through_graphml_except_what_is_listed", (vxis(),)),
    "rspec round trip": ("test_a_generated_vxi_round_trips_through_rspec_except_what_is_listed", (vxis(),)),
    "mutated VXDL, every command": ("test_a_mutated_document_never_gives_exit_3_or_a_traceback",
                                    (mutated_documents(),)),
    "mutated imports, convert": ("test_a_mutated_import_never_gives_exit_3_or_a_traceback",
                                 (vxis(), st.sampled_from([".graphml", ".rspec"]), st.data())),
}


def run(name: str, test_name: str, strategies: tuple, examples: int, seed: int | None) -> tuple[int, str | None]:
    """Run one property for `examples` cases; (cases run, the failure found or None)."""
    inner = getattr(properties, test_name).hypothesis.inner_test
    count = [0]

    def one(a):  # Hypothesis needs named parameters, one per strategy
        count[0] += 1
        inner(a)

    def three(a, b, c):
        count[0] += 1
        inner(a, b, c)

    counted = one if len(strategies) == 1 else three

    test = settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))(given(*strategies)(counted))
    if seed is not None:
        from hypothesis import seed as with_seed

        test = with_seed(seed)(test)
    try:
        test()
    except Exception:  # the property failed: Hypothesis has shrunk it and raises the falsifying case
        return count[0], traceback.format_exc(limit=-4)
    return count[0], None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="cases per property (default 500)")
    parser.add_argument("--seed", type=int, help="a seed, to repeat a run")
    parser.add_argument("--only", help="run only the properties whose name contains this")
    args = parser.parse_args()
    total, failures = 0, 0
    for name, (test_name, strategies) in PROPERTIES.items():
        if args.only and args.only not in name:
            continue
        start = time.perf_counter()
        cases, failure = run(name, test_name, strategies, args.examples, args.seed)
        total += cases
        failures += failure is not None
        verdict = "nothing found" if failure is None else "FOUND A FAILURE"
        print(f"{name:<30} {cases:6d} cases  {time.perf_counter() - start:7.1f} s  {verdict}", flush=True)
        if failure:
            print("    " + failure.replace("\n", "\n    "))
    print(f"{total} cases, {failures} propert{'y' if failures == 1 else 'ies'} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
