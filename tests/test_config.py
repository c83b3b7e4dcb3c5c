"""Settings and the policy file."""

import pytest

from graphcrm.config import Policy, load_settings
from graphcrm.errors import ConfigError


def test_defaults_are_the_design_table(tmp_path):
    s = load_settings(environ={}, cwd=tmp_path)
    assert s.store_url == "sqlite:///graphcrm.db" and s.policy == Policy()
    assert s.policy.min_per_tier == {"A": 2, "B": 1, "C": 1, "ungraded": 1}
    assert s.policy.max_silence_days == {"A": 14, "B": 30, "C": 90, "ungraded": 60}
    assert (s.policy.concentration_share, s.policy.truck_target, s.policy.max_stage_days) == (0.8, 0.5, 60)


def test_precedence_of_store_settings(tmp_path):
    (tmp_path / "graphcrm.toml").write_text('store = "sqlite:///file.db"\n')
    assert load_settings(environ={}, cwd=tmp_path).store_url == "sqlite:///file.db"
    assert load_settings(environ={"GRAPHCRM_STORE": "sqlite:///env.db"}, cwd=tmp_path).store_url == "sqlite:///env.db"
    assert load_settings("sqlite:///flag.db", environ={"GRAPHCRM_STORE": "sqlite:///env.db"}, cwd=tmp_path).store_url == "sqlite:///flag.db"


def test_overrides_merge_with_defaults(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[policy]\nmin_per_tier = {A = 3}\nmax_stage_days = {default = 45, solution = 120}\ntruck_target = 0.75\n"
                    "[ownership]\n1 = ['need']\n")
    s = load_settings(config=path, environ={}, cwd=tmp_path)
    assert s.policy.min_per_tier == {"A": 3, "B": 1, "C": 1, "ungraded": 1}
    assert s.policy.stage_limit("solution") == 120 and s.policy.stage_limit("intel") == 45
    assert s.policy.truck_target == 0.75 and s.ownership == {1: ("need",)}


@pytest.mark.parametrize("text, message", [
    ("[policy]\ncolour = 1\n", "policy.colour: unknown policy setting"),
    ("[policy]\nweight = {Z = 1}\n", "policy.weight.Z: unknown grade"),
    ("[policy]\nmax_silence_days = {A = -1}\n", "must not be negative"),
    ("[policy]\nconcentration_share = 1.5\n", "concentration_share: must be in (0, 1]"),
    ("[policy]\nconcentration_window_days = 2.5\n", "expected a whole number"),
    ("[polcy]\n", "unknown setting 'polcy'"),
    ("not toml = = =\n", "not valid TOML"),
    ("[ownership]\nfirst = ['need']\n", "keys are tier levels"),
])
def test_bad_policy_files_name_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config=path, environ={}, cwd=tmp_path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_missing_config_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config="/no/such.toml", environ={})
