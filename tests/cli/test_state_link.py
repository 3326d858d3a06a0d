"""A deployments database that is a symbolic link to nothing (a disk not mounted) or a loop is reported, exit 1:
it was replaced by a new, empty database, and `vxi status` said "no deployments" (exit 0)."""

import os

import pytest


@pytest.mark.parametrize("target", ["/nonexistent-red4/deployments.db", "deployments.db"])
def test_a_database_link_to_nothing_is_reported_not_replaced(vxi, state_dir, target):
    state_dir.mkdir(parents=True, exist_ok=True)
    link = state_dir / "deployments.db"
    link.symlink_to(target)
    for argv in (["status"], ["status", "--json"], ["teardown", "--all"]):
        code, out, err = vxi(*argv)
        assert code == 1 and "deployments.db: a symbolic link to a missing file or a loop" in err, (out, err)
        assert "no deployments" not in out
    assert link.is_symlink() and os.readlink(link) == target
