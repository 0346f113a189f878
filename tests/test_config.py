"""standby.yml: the models, every kind of mistake named by its field path, the location
mapping, config discovery, `standby config check`, and secrets kept out of every output."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from standby.cli import main
from standby.config import (
    Config,
    format_duration,
    load_config,
    parse_duration,
    resolve_config_path,
)
from standby.errors import BadInput, ConfigInvalid

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "standby.yml"
LOCAL_EXAMPLE = ROOT / "examples" / "standby.local.yml"
CANARY = "dapi0c0ffee0c0ffee0c0ffee0c0ffee0c0ff"  # a token-shaped value that must never show

MINIMAL: dict[str, Any] = {
    "sites": {
        "primary": {
            "role": "primary",
            "workspace": {"host": "https://prod.cloud.databricks.com", "token_env": "TOK_P"},
            "storage": {"lake": "s3://prod-lake/", "backup": "s3://prod-backups/"},
        },
        "dr": {
            "role": "dr",
            "workspace": {"host": "https://dr.cloud.databricks.com", "token_env": "TOK_DR"},
            "storage": {"lake": "s3://dr-lake/", "backup": "s3://dr-backups/"},
        },
    },
    "protected": {
        "tables": [
            {"table": "production.sales.transactions", "tier": "tier1"},
            {"table": "production.sales.*", "tier": "tier2"},
        ]
    },
    "backups": {
        "policies": [
            {
                "name": "daily",
                "tables": ["production.sales.transactions"],
                "root": "backup",
                "schedule": "0 2 * * *",
                "retention": {"keep_daily": 7, "keep_weekly": 4},
            }
        ]
    },
}


def data(**changes: Any) -> dict[str, Any]:
    """A deep copy of MINIMAL with dotted-path changes (`None` deletes the key)."""
    out = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = out
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is None:
            del node[last]
        else:
            node[last] = value
    return out


def write(tmp_path: Path, content: dict[str, Any] | str, name: str = "standby.yml") -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text)
    return path


def problems(tmp_path: Path, content: dict[str, Any] | str) -> str:
    with pytest.raises(ConfigInvalid) as info:
        load_config(write(tmp_path, content))
    return str(info.value)


# --- the examples -----------------------------------------------------------------------


def test_example_validates() -> None:
    config = load_config(EXAMPLE)
    assert (config.primary, config.dr) == ("primary", "dr")
    assert config.sites["primary"].region == "us-east-1"
    assert config.sites["dr"].region == "us-west-2"
    names = {t.table for t in config.protected.tables}
    assert {
        "production.sales.transactions",
        "production.sales.customers",
        "production.inventory.products",
    } <= names
    policy = config.policy("daily")
    assert policy.retention.keep_daily and policy.retention.keep_monthly
    assert [c.role for c in config.contacts][:2] == ["DR Lead", "Platform Team"]
    assert config.path == EXAMPLE


def test_local_example_validates_with_paths_relative_to_the_file() -> None:
    config = load_config(LOCAL_EXAMPLE)
    lake = config.sites["primary"].storage["lake"]
    assert lake == (ROOT / "standby-demo" / "us-east-1" / "lake").as_uri()
    assert config.sites["primary"].workspace and config.sites["primary"].workspace.kind == "sandbox"


# --- tiers and durations ------------------------------------------------------------------


def test_default_tiers_are_the_guides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    got = {name: (t.rpo, t.rto) for name, t in config.tiers.items()}
    assert got == {
        "tier1": (15 * 60, 3600),
        "tier2": (4 * 3600, 8 * 3600),
        "tier3": (24 * 3600, 48 * 3600),
    }


def test_a_tier_overrides_its_default_field_by_field(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, data(tiers={"tier1": {"rpo": "5m"}, "gold": {"rpo": "1m", "rto": "10m"}}))
    )
    assert (config.tiers["tier1"].rpo, config.tiers["tier1"].rto) == (300, 3600)
    assert (config.tiers["gold"].rpo, config.tiers["gold"].rto) == (60, 600)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("4h", 14400),
        ("1d", 86400),
        ("2w", 1209600),
        ("1h30m", 5400),
        ("90s", 90),
        (" 45 ", 45),
        (3600, 3600),
    ],
)
def test_parse_duration(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["15x", "", "m", "0", "-5m", "1.5h", True, None, 0])
def test_parse_duration_refuses(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (900, 3600, 86400, 5400, 172800, 45)] == [
        "15m",
        "1h",
        "1d",
        "1h30m",
        "2d",
        "45s",
    ]


# --- each kind of mistake, named by its field path ----------------------------------------


def test_unknown_field_is_named_with_a_suggestion(tmp_path: Path) -> None:
    bad = data()
    bad["sites"]["dr"]["workspce"] = bad["sites"]["dr"].pop("workspace")
    message = problems(tmp_path, bad)
    assert "sites.dr.workspce: unknown field; did you mean 'workspace'?" in message


def test_unknown_top_level_field(tmp_path: Path) -> None:
    assert "protect: unknown field; did you mean 'protected'?" in problems(
        tmp_path, data(protect={"tables": []})
    )


def test_bad_duration(tmp_path: Path) -> None:
    message = problems(tmp_path, data(tiers={"tier1": {"rpo": "15x"}}))
    assert "tiers.tier1.rpo: '15x' is not a duration" in message


def test_missing_primary(tmp_path: Path) -> None:
    message = problems(tmp_path, data(sites__primary__role="dr"))
    assert "sites: exactly one site needs role: primary (found none)" in message


def test_two_primaries(tmp_path: Path) -> None:
    message = problems(tmp_path, data(sites__dr__role="primary"))
    assert "sites: exactly one site needs role: primary (found 2: primary, dr)" in message


def test_bad_role(tmp_path: Path) -> None:
    assert "sites.dr.role: input should be 'primary' or 'dr'" in problems(
        tmp_path, data(sites__dr__role="standby")
    )


def test_unknown_tier(tmp_path: Path) -> None:
    bad = data()
    bad["protected"]["tables"][1]["tier"] = "tier4"
    message = problems(tmp_path, bad)
    assert "protected.tables[1].tier: unknown tier 'tier4' (tiers: tier1, tier2, tier3)" in message


def test_empty_retention(tmp_path: Path) -> None:
    bad = data()
    bad["backups"]["policies"][0]["retention"] = {}
    message = problems(tmp_path, bad)
    assert "backups.policies[0].retention: empty retention" in message
    assert "keep_last" in message


def test_missing_retention(tmp_path: Path) -> None:
    bad = data()
    del bad["backups"]["policies"][0]["retention"]
    assert "backups.policies[0].retention: field required" in problems(tmp_path, bad)


def test_dr_site_lacks_a_primary_root(tmp_path: Path) -> None:
    message = problems(tmp_path, data(sites__dr__storage={"backup": "s3://dr-backups/"}))
    assert "sites.dr.storage.lake: field required" in message


def test_dr_root_at_the_primary_location_is_refused(tmp_path: Path) -> None:
    message = problems(
        tmp_path, data(sites__dr__storage={"lake": "s3://prod-lake/dr", "backup": "s3://b/"})
    )
    assert (
        "sites.dr.storage.lake: s3://prod-lake/dr is the same location as, or overlaps" in message
    )


def test_literal_token_is_refused_and_never_echoed(tmp_path: Path) -> None:
    message = problems(tmp_path, data(sites__dr__workspace__token=CANARY))
    assert "sites.dr.workspace.token: a literal secret is not allowed here" in message
    assert "token_env" in message
    assert CANARY not in message


def test_a_token_written_where_its_variable_name_belongs_is_refused(tmp_path: Path) -> None:
    message = problems(tmp_path, data(sites__dr__workspace__token_env=CANARY))
    assert "sites.dr.workspace.token_env: this is not an environment variable name" in message
    assert CANARY not in message


def test_literal_storage_secret_is_refused_and_never_echoed(tmp_path: Path) -> None:
    options = {"aws_region": "us-west-2", "aws_secret_access_key": CANARY}
    message = problems(tmp_path, data(sites__dr__storage_options=options))
    assert "sites.dr.storage_options: 'aws_secret_access_key' looks like a credential" in message
    assert CANARY not in message


def test_credentials_in_a_storage_uri_are_refused(tmp_path: Path) -> None:
    uri = f"s3://user:{CANARY}@bucket/lake"
    message = problems(tmp_path, data(sites__dr__storage={"lake": uri, "backup": "s3://b/"}))
    assert "sites.dr.storage.lake: credentials in a storage URI are not allowed" in message
    assert CANARY not in message


def test_bad_cron(tmp_path: Path) -> None:
    bad = data()
    bad["backups"]["policies"][0]["schedule"] = "0 25 * * *"
    assert "backups.policies[0].schedule: '0 25 * * *': '25' is not a valid hour" in problems(
        tmp_path, bad
    )


def test_bad_unity_catalog_name(tmp_path: Path) -> None:
    bad = data()
    bad["protected"]["tables"][0]["table"] = "sales.transactions"
    message = problems(tmp_path, bad)
    assert "protected.tables[0].table: 'sales.transactions' is not a Unity Catalog name" in message


def test_protected_location_outside_every_root(tmp_path: Path) -> None:
    bad = data()
    bad["protected"]["tables"].append({"location": "s3://elsewhere/t", "tier": "tier3"})
    message = problems(tmp_path, bad)
    assert "protected.tables[2].location: s3://elsewhere/t is under none of the primary" in message


def test_backup_policy_references(tmp_path: Path) -> None:
    bad = data()
    policy = bad["backups"]["policies"][0]
    policy["root"] = "vault"
    policy["tables"] = ["production.inventory.products"]
    message = problems(tmp_path, bad)
    assert "backups.policies[0].root: no storage root 'vault' on site 'dr'" in message
    assert "backups.policies[0].tables[0]: 'production.inventory.products' is not in the" in message


def test_mapping_rule_gives_every_sites_value(tmp_path: Path) -> None:
    rules = [{"field": "*.zone_id", "values": {"primary": "us-east-1a", "drr": "us-west-2a"}}]
    message = problems(tmp_path, data(workspace_sync={"mappings": rules}))
    assert "workspace_sync.mappings[0].values.dr: field required" in message
    assert "workspace_sync.mappings[0].values.drr: unknown site 'drr'" in message


def test_every_problem_is_listed_at_once_with_lines(tmp_path: Path) -> None:
    bad = data(tiers={"tier1": {"rpo": "15x"}})
    bad["protected"]["tables"][1]["tier"] = "tier4"
    bad["backups"]["policies"][0]["retention"] = {}
    bad["sites"]["dr"]["storage"] = {"backup": "s3://dr-backups/"}
    message = problems(tmp_path, bad)
    assert "(4 problems)" in message
    lines = [line.strip() for line in message.splitlines()[1:5]]
    assert all(" (line " in line for line in lines), lines
    first = yaml.safe_dump(bad, sort_keys=False).splitlines()
    tier_line = next(i for i, t in enumerate(first, 1) if "tier4" in t)
    expected = "protected.tables[1].tier: unknown tier 'tier4' (tiers: tier1, tier2, tier3)"
    assert f"{expected} (line {tier_line})" in message


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    message = problems(tmp_path, "sites:\n  primary:\n    role: primary\n   storage: x\n")
    assert "is not valid YAML: line 4, column 4" in message


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    message = problems(tmp_path, "sites:\n  primary: {}\n  primary: {}\n")
    assert "line 3, column 3: duplicate key 'primary' (first given at line 2)" in message


@pytest.mark.parametrize("text", ["", "- a\n- b\n"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    assert "standby.yml is" in problems(tmp_path, text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigInvalid, match="No configuration file at"):
        load_config(tmp_path / "nope.yml")


def test_models_built_in_code_are_cross_checked_too() -> None:
    with pytest.raises(ConfigInvalid, match="exactly one site needs role: primary"):
        Config.model_validate(data(sites__primary__role="dr"))


# --- location mapping ---------------------------------------------------------------------


def test_map_location_same_root_same_relative_path() -> None:
    config = Config.model_validate(MINIMAL)
    assert config.map_location("s3://prod-lake/sales/transactions", "primary", "dr") == (
        "s3://dr-lake/sales/transactions"
    )
    assert config.map_location("s3://dr-lake/a/b/", "dr", "primary") == "s3://prod-lake/a/b"
    assert config.map_location("s3://prod-lake", "primary", "dr") == "s3://dr-lake"


def test_map_location_longest_root_wins() -> None:
    sites = copy.deepcopy(MINIMAL["sites"])
    sites["primary"]["storage"]["raw"] = "s3://prod-lake/raw"
    sites["dr"]["storage"]["raw"] = "s3://dr-raw"
    config = Config.model_validate(data(sites=sites))
    assert config.map_location("s3://prod-lake/raw/x", "primary", "dr") == "s3://dr-raw/x"
    assert config.locate("s3://prod-lake/rawer/x", "primary") == ("lake", "rawer/x")


def test_map_location_outside_every_root_says_so() -> None:
    config = Config.model_validate(MINIMAL)
    for uri in ("s3://prod-lake2/x", "s3://other/x"):
        with pytest.raises(BadInput, match="is under none of the storage roots of site 'primary'"):
            config.map_location(uri, "primary", "dr")
    with pytest.raises(BadInput, match="No site named 'eu'"):
        config.map_location("s3://prod-lake/x", "primary", "eu")


def test_map_location_of_a_dr_only_root_is_config_invalid() -> None:
    config = Config.model_validate(data(sites__dr__storage__scratch="s3://dr-scratch"))
    with pytest.raises(ConfigInvalid, match=r"sites\.primary\.storage\.scratch: field required"):
        config.map_location("s3://dr-scratch/x", "dr", "primary")


def test_map_location_local_paths(tmp_path: Path) -> None:
    storage = {"primary": {"lake": str(tmp_path / "east")}, "dr": {"lake": str(tmp_path / "west")}}
    config = Config.model_validate(
        data(
            sites__primary__storage=storage["primary"], sites__dr__storage=storage["dr"], backups={}
        )
    )
    target = config.map_location(str(tmp_path / "east" / "sales" / "t"), "primary", "dr")
    assert target == (tmp_path / "west" / "sales" / "t").as_uri()


def test_protected_table_lookup() -> None:
    config = Config.model_validate(MINIMAL)
    assert config.protected_table(name="Production.Sales.Transactions").tier == "tier1"
    assert config.protected_table(name="production.sales.customers").tier == "tier2"
    assert config.protected_table(name="production.hr.people") is None


# --- discovery ----------------------------------------------------------------------------


def test_config_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANDBY_CONFIG", raising=False)
    assert resolve_config_path() == Path("standby.yml")
    monkeypatch.setenv("STANDBY_CONFIG", "/etc/standby.yml")
    assert resolve_config_path() == Path("/etc/standby.yml")
    assert resolve_config_path("mine.yml") == Path("mine.yml")


# --- secrets ------------------------------------------------------------------------------


def test_token_value_never_in_repr_dump_or_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOK_P", CANARY)
    monkeypatch.setenv("TOK_DR", CANARY)
    options = {"aws_region": "us-east-1", "aws_secret_access_key": {"env": "TOK_P"}}
    path = write(tmp_path, data(sites__primary__storage_options=options))
    config = load_config(path)
    assert config.sites["primary"].workspace.client_kwargs()["token"] == CANARY
    assert (
        config.sites["primary"].resolved_storage_options("s3://x")["aws_secret_access_key"]
        == CANARY
    )
    for text in (repr(config), str(config), config.model_dump_json(), str(config.model_dump())):
        assert CANARY not in text
    for argv in (
        ["config", "check", str(path)],
        ["--json", "config", "check", str(path)],
        ["-v", "config", "check", str(path)],
    ):
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert CANARY not in out + err


@pytest.mark.parametrize(
    "changes",
    [
        {"sites__dr__workspace__token": CANARY},
        {"sites__dr__workspace__token_env": CANARY},
        {"sites__dr__storage_options": {"azure_storage_account_key": CANARY}},
        {"sites__dr__storage_options": {"x": {"env": CANARY}}},
    ],
)
def test_validation_errors_in_code_never_echo_a_secret(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        Config.model_validate(data(**changes))
    assert CANARY not in str(info.value) and CANARY not in repr(info.value)


def test_secret_read_when_used_and_missing_env_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOK_DR", raising=False)
    monkeypatch.setenv("TOK_P", "x")
    config = Config.model_validate(MINIMAL)
    assert config.missing_env() == ["TOK_DR"]
    with pytest.raises(ConfigInvalid, match="TOK_DR"):
        config.sites["dr"].workspace.client_kwargs()


def test_storage_options_for_a_uri_keep_that_clouds_keys() -> None:
    options = {"aws_region": "us-east-1", "azure_storage_account_name": "acct", "timeout": "30s"}
    config = Config.model_validate(data(sites__primary__storage_options=options))
    site = config.sites["primary"]
    assert site.resolved_storage_options("s3://b/x") == {
        "aws_region": "us-east-1",
        "timeout": "30s",
    }
    assert site.resolved_storage_options("az://c/x") == {
        "azure_storage_account_name": "acct",
        "timeout": "30s",
    }
    assert site.resolved_storage_options("/tmp/x") == {}


def test_a_uri_gets_the_storage_options_of_its_site(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DR_KEY", CANARY)
    config = Config.model_validate(
        data(
            sites__primary__storage_options={"aws_region": "us-east-1"},
            sites__dr__storage_options={"aws_secret_access_key": {"env": "DR_KEY"}},
        )
    )
    assert config.storage_options_for("s3://prod-lake/sales/t") == {"aws_region": "us-east-1"}
    assert config.storage_options_for("s3://dr-backups/daily/x") == {
        "aws_secret_access_key": CANARY
    }
    assert config.site_of("s3://dr-lake-not/x") is None  # a prefix of a name is not a root
    assert config.site_of("s3://dr-lake") == "dr"
    assert config.storage_options_for("s3://elsewhere/t") is None  # the environment's
    assert config.storage_options_for("/tmp/t") is None


def test_check_reports_where_site_storage_options_do_not_reach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        data(
            sites__dr__storage_options={
                "aws_region": "us-west-2",
                "azure_storage_account_name": "a",
            },
            backups__policies__0__root="s3://other-account-backups/standby",
        ),
    )
    assert main(["--json", "config", "check", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    reach = {r["field"]: r["options_of"] for r in doc["storage_reach"]}
    assert reach["sites.dr.storage.backup"] == "dr"
    assert reach["backups.policies[0].root"] is None
    assert doc["sites"]["dr"]["storage_options"] == ["aws_region", "azure_storage_account_name"]
    assert doc["storage_notes"] == [
        "backups.policies[0].root: s3://other-account-backups/standby is on no site's storage, "
        "so no storage_options reach it: commands use the environment's credentials and "
        "endpoint there. Put it under a site's storage root (or in the bucket of one) to use "
        "that site's.",
        "sites.dr.storage_options.azure_storage_account_name reaches none of the site's storage "
        "roots (s3://dr-lake, s3://dr-backups): it is never used.",
    ]
    assert main(["config", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "whose storage_options reach each location" in out and "is never used" in out


# --- standby config check -----------------------------------------------------------------


def test_check_example_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    for expected in ("is valid", "production.sales.transactions", "tier1", "15m", "daily"):
        assert expected in out


def test_check_json_parses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "config", "check", str(EXAMPLE)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    assert doc["tiers"]["tier1"]["rpo_seconds"] == 900
    assert "production.inventory.products" in doc["tiers"]["tier2"]["tables"][0]
    assert doc["location_mapping"][0] == {
        "root": "lake",
        "primary": "s3://prod-lake",
        "dr": "s3://dr-bucket-us-west-2/lake",
    }
    assert doc["policies"][0]["retention"] == "last 3, daily 7, weekly 4, monthly 12"


def test_check_finds_the_config_by_flag_env_or_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MINIMAL, name="elsewhere.yml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STANDBY_CONFIG", raising=False)
    assert main(["config", "check"]) == 2  # no ./standby.yml
    assert "No configuration file at standby.yml" in capsys.readouterr().err
    assert main(["--json", "config", "check", "--config", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(path)
    monkeypatch.setenv("STANDBY_CONFIG", str(path))
    assert main(["--json", "config", "check"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(path)
    monkeypatch.delenv("STANDBY_CONFIG")
    write(tmp_path, MINIMAL)
    assert main(["--json", "config", "check"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == "standby.yml"


def test_check_malformed_exit_2_one_paragraph_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = data(tiers={"tier1": {"rpo": "15x"}}, sites__primary__role="dr")
    path = write(tmp_path, bad)
    assert main(["config", "check", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in err
    assert "\n\n" not in err  # one paragraph
    assert "tiers.tier1.rpo: '15x' is not a duration" in err
    assert "sites: exactly one site needs role: primary" in err
    assert captured.out == ""


def test_check_malformed_json_error_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "sites: [\n")
    assert main(["--json", "config", "check", str(path)]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["error"]["exit_code"] == 2
    assert "is not valid YAML: line 2" in doc["error"]["message"]


def test_check_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(tmp_path / "nope.yml")]) == 2
    assert "No configuration file at" in capsys.readouterr().err
