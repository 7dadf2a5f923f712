"""The pytest plugin's fixture (entry point pytest11 when installed)."""

import os

import fdkit


def test_fixture_hands_a_fresh_patched_model(fdkit_system, tmp_path):
    assert isinstance(fdkit_system, fdkit.Model)
    assert fdkit.active() is fdkit_system
    assert os.open(f"{tmp_path}/a", os.O_CREAT | os.O_RDWR, 0o644) == 3
    assert [i.fd for i in fdkit_system.fds()] == [0, 1, 2, 3]


def test_each_test_gets_its_own_model(fdkit_system, tmp_path):
    # The previous test's descriptor 3 is not here.
    assert os.open(f"{tmp_path}/a", os.O_CREAT | os.O_RDWR, 0o644) == 3
    assert fdkit_system.pids() == [100]


def test_no_patch_outside_the_fixture():
    assert fdkit.active() is None


def test_plugin_is_registered(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("fdkit") or pytestconfig.pluginmanager.has_plugin(
        "fdkit.pytest_plugin")
