"""The command-line contract for every command, under random and malformed arguments.

The commands are found by walking the command tree, so a new command is covered the day it
is registered. Each is run in-process through `standby.cli.main` with values drawn from
what users type (tables, missing paths, files, numbers out of range, durations, names, junk)
and with options it does not have: whatever happens, no traceback, no "Internal error",
an exit code of the contract, and with --json exactly one JSON document on stdout whose
error `type`, if any, is one of standby's error classes.

Commands that would serve or loop until stopped (`sandbox up`, `replicate --follow`,
`demo`) always get one invalid value last, so they end at validation; their running
behaviour has tests of its own. A timer turns any run that still does not end into a
failure naming its arguments.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import standby.errors
from standby import sandbox
from standby.cli import main
from standby.cli.app import command as root
from standby.cli.commands import COMMANDS as REGISTRY
from tests.tables.builders import history_table

EXIT_CODES = {0, 1, 2, 3, 4, 5}
ERROR_TYPES = {
    name
    for name, value in vars(standby.errors).items()
    if isinstance(value, type) and issubclass(value, standby.errors.StandbyError)
} - {"Internal"}
RUN_LIMIT = 20  # seconds: a run still going after this is a command that does not end
EXAMPLES = int(os.environ.get("STANDBY_CONTRACT_EXAMPLES", "25"))  # per command; more to hunt


def leaf_commands() -> list[tuple[str, ...]]:
    """Every command path of the tree (`("table", "restore")`, ...), loading each group."""

    def walk(cmd: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        subcommands = getattr(cmd, "commands", None)
        if subcommands is None:
            yield path
            return
        for name in list(subcommands):
            yield from walk(subcommands[name], (*path, name))

    return list(walk(root, ()))


def command_at(path: tuple[str, ...]) -> object:
    cmd: object = root
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return cmd


@dataclass(frozen=True)
class World:
    """What the arguments point at: a table, a directory, a file, configs, a busy port."""

    table: str
    plain_dir: str
    text_file: str
    missing: str
    targets: str
    config: str
    bad_config: str
    busy_port: int
    backup_id: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root_dir = tmp_path_factory.mktemp("contract")
    lake = root_dir / "lake"
    table = lake / "sales" / "t"
    history_table(str(table))
    (root_dir / "plain").mkdir()
    (root_dir / "notes.txt").write_text("not a table\n")
    primary, dr = sandbox.start(name="primary"), sandbox.start(name="dr")
    config = {
        "sites": {
            "primary": {
                "role": "primary",
                "storage": {"lake": str(lake)},
                "workspace": workspace(primary, "STANDBY_CONTRACT_TOKEN_PRIMARY"),
            },
            "dr": {
                "role": "dr",
                "storage": {"lake": str(root_dir / "dr-lake"), "backup": str(root_dir / "bk")},
                "workspace": workspace(dr, "STANDBY_CONTRACT_TOKEN_DR"),
            },
        },
        "protected": {"tables": [{"location": str(table), "tier": "gold"}]},
        "tiers": {"gold": {"rpo": "15m", "rto": "1h"}},
        "backups": {
            "policies": [
                {
                    "name": "nightly",
                    "tables": [str(table)],
                    "root": "backup",
                    "kind": "deep",
                    "retention": {"keep_last": 2},
                }
            ]
        },
    }
    (root_dir / "standby.yml").write_text(yaml.safe_dump(config))
    (root_dir / "bad.yml").write_text("sites: [unclosed\n")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    cwd = os.getcwd()
    os.chdir(root_dir / "plain")  # relative paths drawn below land here, nowhere else
    code, out, _ = run(["--json", "--config", str(root_dir / "standby.yml"), "backup", "run"])
    assert code == 0, out
    try:
        yield World(
            table=str(table),
            plain_dir=str(root_dir / "plain"),
            text_file=str(root_dir / "notes.txt"),
            missing=str(root_dir / "missing" / "t"),
            targets=str(root_dir / "targets"),
            config=str(root_dir / "standby.yml"),
            bad_config=str(root_dir / "bad.yml"),
            busy_port=busy.getsockname()[1],
            backup_id=json.loads(out)["backups"][0]["id"],
        )
    finally:
        os.chdir(cwd)
        busy.close()
        primary.stop()
        dr.stop()


def workspace(running: sandbox.RunningSandbox, token_env: str) -> dict[str, str]:
    """A site's workspace entry for a sandbox; its token goes in the environment."""
    os.environ[token_env] = running.token
    return {"kind": "sandbox", "host": running.url, "token_env": token_env}


def malformed(w: World) -> st.SearchStrategy[str]:
    """What users mistype: numbers out of any range, wrong kinds of things, junk."""
    typed = st.sampled_from(
        [
            w.table, "file://" + w.table, w.plain_dir, w.text_file, w.missing, w.config,
            "0", "-1", "65536", str(w.busy_port), "99999999999999999999999", "-0.5", "nan",
            "inf", "1e400", "-5m", "0s", "yesterday", "Mars/Olympus", "", " ", "-", "é",
            "x" * 300, "ftp://host/t", "file://", "../..", "s3:/",
        ]
    )  # fmt: skip
    junk = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
    return st.one_of(typed, junk)


def sensible(name: str, w: World) -> st.SearchStrategy[str] | None:
    """Values that fit an option or argument by its name: these reach the commands' work."""
    tables = st.sampled_from([w.table, "file://" + w.table, w.missing, w.plain_dir])
    targets = st.integers(0, 40).map(lambda n: os.path.join(w.targets, f"t{n}"))
    sites = st.sampled_from(["primary", "dr"])
    by_name: dict[str, st.SearchStrategy[str]] = {
        "uri": tables,
        "source": tables,
        "against": tables,
        "target": st.one_of(targets, tables),
        "to": st.one_of(sites, sites, targets),
        "from": st.one_of(sites, st.just(w.plain_dir)),
        "site": st.sampled_from(["primary", "dr"]),
        "a": st.sampled_from(["primary", "dr", w.plain_dir]),
        "b": st.sampled_from(["primary", "dr", w.plain_dir]),
        "out": targets,
        "dir": st.just(w.text_file),
        "file": st.sampled_from([w.config, w.bad_config]),
        "rpo": st.sampled_from(["15m", "1h", "30s"]),
        "timestamp": st.sampled_from(["2001-01-01", "2030-01-01T00:00:00Z", "1700000000000"]),
        "history": st.sampled_from(["checkpoint", "all"]),
        "policy": st.just("nightly"),
        "table": st.sampled_from(["main.sales.t", w.table]),
        "tables": st.sampled_from(["main.sales.t", w.table]),
        "kinds": st.sampled_from(["jobs", "clusters,jobs", "secrets"]),
        "timezone": st.sampled_from(["UTC", "Europe/Paris"]),
        "emit": st.sampled_from(["databricks-job", "bundle", "cron"]),
        "backup_id": st.sampled_from([w.backup_id, w.backup_id, "b-1"]),
        "version": st.integers(0, 6).map(str),
    }
    return by_name.get(name)


def value_for(param: object, w: World) -> st.SearchStrategy[str]:
    """Mostly a sensible value for the parameter (by its name, else a number in its range
    when it has one), sometimes a malformed one."""
    key = param.name if param.param_type_name == "argument" else param.opts[-1].lstrip("-")  # type: ignore[attr-defined]
    good = sensible(key.replace("-", "_"), w)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if good is None and (low is not None or high is not None):
        lo = int(low) if low is not None else -5
        good = st.integers(lo, int(high) if high is not None else lo + 100).map(str)
    elif good is None:
        good = st.sampled_from(["1", "2", "primary", "x"])
    bad = malformed(w)
    return st.integers(0, 9).flatmap(lambda i: good if i else bad)


def blocking_breakers(path: tuple[str, ...], w: World) -> list[list[str]] | None:
    """Arguments that make a command that would run until stopped end at validation."""
    if path == ("sandbox", "up"):
        return [
            ["--port", "65536"], ["--port", str(w.busy_port)], ["--seed", "bogus"],
            ["--state", w.plain_dir], ["--host", "256.0.0.1"], ["--throttle-rate", "2"],
            ["--latency-ms", "-1"], ["--bogus"],
        ]  # fmt: skip
    if path == ("demo",):
        return [["--dir", w.text_file], ["--bogus"], ["--dir"]]
    return None


FOLLOW_BREAKERS = [["--interval", "0"], ["--history", "bogus"], ["--metrics-port", "0"]]


@st.composite
def argv_for(draw: st.DrawFn, path: tuple[str, ...], w: World) -> list[str]:
    cmd = command_at(path)
    args: list[str] = []
    options: list[str] = []
    for param in cmd.params:  # type: ignore[attr-defined]
        if param.param_type_name == "argument":
            if draw(st.integers(0, 9)):  # mostly given; sometimes missing
                args.append(draw(value_for(param, w)))
        elif draw(st.integers(0, 9)) < (9 if param.required else 5):
            name = draw(st.sampled_from(param.opts))
            options += [name] if param.is_flag else [name, draw(value_for(param, w))]
    if draw(st.integers(0, 14)) == 0:
        options.append(draw(st.sampled_from(["--bogus", "-x", "--help-me"])))
    if draw(st.integers(0, 14)) == 0:
        args.append(draw(malformed(w)))  # one more than the command takes, sometimes
    argv = [*path, *args, *options]
    breakers = blocking_breakers(path, w)
    if path == ("replicate",) and "--follow" in argv:
        breakers = [*FOLLOW_BREAKERS, ["--metrics-port", str(w.busy_port)]]
    if breakers is not None:
        argv += draw(st.sampled_from(breakers))
    configs = [["--config", w.config]] * 3 + [[], ["--config", w.bad_config]]
    glob = draw(st.sampled_from(configs))
    return [*draw(st.sampled_from([[], ["--json"]])), *glob, *argv]


class RanTooLong(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise RanTooLong


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RUN_LIMIT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def check_contract(argv: list[str], code: int, out: str, err: str) -> None:
    shown = f"standby {' '.join(map(repr, argv))}\nexit {code}\nstdout: {out}\nstderr: {err}"
    assert code in EXIT_CODES, shown
    words = argv[: argv.index("--")] if "--" in argv else argv
    if "-v" not in words and "--verbose" not in words:  # -v shows tracebacks on purpose
        assert "Traceback" not in out + err, shown
    assert "Internal error" not in err and "RanTooLong" not in err, shown
    if code:
        assert "error: " in err, shown
    if "--json" not in words:
        return
    doc = json.loads(out)  # exactly one document: json.loads refuses anything after it
    if isinstance(doc, dict) and set(doc) == {"error"}:
        assert doc["error"]["type"] in ERROR_TYPES, shown
        assert doc["error"]["exit_code"] == code, shown
    if code == 0:
        assert not (isinstance(doc, dict) and set(doc) == {"error"}), shown


COMMANDS = leaf_commands()


def test_the_walk_finds_every_command() -> None:
    assert {p[0] for p in COMMANDS} == set(REGISTRY)
    found = {" ".join(p) for p in COMMANDS}
    assert {"table history", "config sync", "backup schedule", "sandbox up"} <= found


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)
@given(data=st.data())
def test_every_command_keeps_the_contract(
    path: tuple[str, ...], world: World, data: st.DataObject
) -> None:
    argv = data.draw(argv_for(path, world), label="argv")
    code, out, err = run(argv)
    check_contract(argv, code, out, err)
