"""The copy plan the Spark engine ships: deterministic, sorted and keyed by destination,
about three chunks per core balanced by bytes; stores by reference, secrets by name only;
and the executor-side copy: size-checked, safe to run twice at once (a speculative task)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from standby.config import load_config
from standby.engines.choose import make_executor, root_options
from standby.engines.copying import FileResult, copy_checked
from standby.engines.refs import EnvSecret, StoreRef, StoreRefs
from standby.engines.spark import SparkExecutor
from standby.engines.spark_task import Planned, copy_partition, plan_chunks
from standby.engines.threads import ThreadExecutor
from standby.errors import BadInput, ConfigInvalid, FilesMissing, ObjectNotFound
from standby.storage import open_store

SRC, DST = StoreRef("s3://a/t"), StoreRef("s3://b/t")


def _planned(sizes: dict[str, int]) -> list[Planned]:
    return [(SRC, name, DST, name, size) for name, size in sizes.items()]


def test_chunks_are_sorted_by_destination_balanced_and_the_same_every_time() -> None:
    sizes = {f"part-{i:04d}.parquet": 1000 + (i % 7) * 100 for i in range(600)}
    shuffled = _planned(dict(reversed(list(sizes.items()))))
    chunks = plan_chunks(shuffled, 6)  # two cores, three chunks each
    assert chunks == plan_chunks(_planned(sizes), 6)  # input order does not matter
    assert len(chunks) == 6
    paths = [c.dst_path for chunk in chunks for c in chunk.copies]
    assert paths == sorted(sizes)  # contiguous runs, each path once
    total = sum(sizes.values())
    assert all(abs(chunk.bytes - total / 6) < 2000 for chunk in chunks)
    assert all(chunk.stores == (SRC, DST) for chunk in chunks)


def test_a_destination_is_copied_once_and_big_files_get_chunks_of_their_own() -> None:
    planned = _planned({"a": 10, "big": 10_000, "c": 10}) + _planned({"a": 10})
    chunks = plan_chunks(planned, 3)
    assert [[c.dst_path for c in chunk.copies] for chunk in chunks] == [["a"], ["big"], ["c"]]
    assert plan_chunks([], 6) == [] and len(plan_chunks(planned, 99)) == 3


def test_secret_options_cross_by_name_only(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BadInput, match="never shipped"):
        StoreRef("s3://b", (("aws_secret_access_key", "literal"),))
    ref = StoreRef(
        "s3://b", (("aws_region", "eu-west-1"), ("aws_secret_access_key", EnvSecret("K")))
    )
    with pytest.raises(ConfigInvalid, match=r"K .* not set on this Spark executor"):
        ref.resolve({})
    assert ref.resolve({"K": "v"}) == {"aws_region": "eu-west-1", "aws_secret_access_key": "v"}


def test_stores_get_the_options_of_the_longest_root_that_holds_them() -> None:
    refs = StoreRefs([("s3://lake", {"aws_region": "a"}), ("s3://lake/deep", {"aws_region": "b"})])
    assert refs(open_store("s3://lake/x")).options == (("aws_region", "a"),)
    assert refs(open_store("s3://lake/deep/x")).options == (("aws_region", "b"),)
    assert refs(open_store("s3://lakehouse/x")).options == ()  # not under s3://lake


def test_engine_from_flag_then_config_then_threads(tmp_path: Path) -> None:
    cfg = tmp_path / "standby.yml"
    cfg.write_text(
        "version: 1\nengine: {kind: spark, spark_master: 'local[3]'}\nsites:\n"
        "  p: {role: primary, storage: {lake: 's3://p/lake'}, storage_options: "
        "{aws_secret_access_key: {env: P_KEY}, azure_storage_account_key: {env: AZ}, "
        "aws_region: us-east-1}}\n"
        f"  d: {{role: dr, storage: {{lake: '{tmp_path}'}}}}\n"
    )
    config = load_config(cfg)
    chosen = make_executor(None, config=config)
    assert isinstance(chosen, SparkExecutor) and chosen.master == "local[3]"
    assert isinstance(make_executor("threads", config=config), ThreadExecutor)
    assert isinstance(make_executor(None), ThreadExecutor)
    with pytest.raises(BadInput, match="--engine must be one of threads, spark"):
        make_executor("dask")
    roots = dict(root_options(config))
    assert roots["s3://p/lake"] == {
        "aws_secret_access_key": EnvSecret("P_KEY"),
        "aws_region": "us-east-1",
    }
    assert roots[str(tmp_path.as_uri())] == {}  # local roots take no options


def test_a_short_source_fails_the_size_check(tmp_path: Path) -> None:
    src, dst = open_store(str(tmp_path / "s")), open_store(str(tmp_path / "d"))
    src.put("f", b"12345")
    assert copy_checked(src, "f", dst, "f", 5) == 5
    assert copy_checked(src, "f", dst, "g", 3) == 5  # a DV file may hold more than its vector
    with pytest.raises(FilesMissing, match="holds 5 bytes where the log says 9"):
        copy_checked(src, "f", dst, "h", 9)
    with pytest.raises(ObjectNotFound):
        copy_checked(src, "missing", dst, "m", 1)


def test_two_copies_of_one_task_at_once_leave_whole_files(tmp_path: Path) -> None:
    src = open_store(str(tmp_path / "s"))
    sizes = {f"part-{i:03d}": 50_000 + i for i in range(60)}
    for name, size in sizes.items():
        src.put(name, bytes([len(name) % 256]) * size)
    src.put("only-in-log", b"x")
    src.delete("only-in-log")
    refs = StoreRefs()
    planned = [
        (refs(src), n, refs(open_store(str(tmp_path / "d"))), n, s)
        for n, s in {**sizes, "only-in-log": 1}.items()
    ]
    (chunk,) = plan_chunks(planned, 1)
    results: list[list[FileResult]] = []
    runs = [
        threading.Thread(target=lambda: results.append(list(copy_partition([chunk])))) for _ in "ab"
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    first, second = ({r.dst_path: (r.bytes, r.error_type) for r in rs} for rs in results)
    assert first == second
    assert first["only-in-log"] == (0, "ObjectNotFound")  # returned, not raised: no retry helps
    assert all(first[n] == (s, None) for n, s in sizes.items())
    for name, size in sizes.items():
        assert (tmp_path / "d" / name).stat().st_size == size
    assert not list((tmp_path / "d").glob(".*.tmp"))


def test_file_results_raise_the_error_they_carry() -> None:
    with pytest.raises(ObjectNotFound, match="gone"):
        FileResult("p", error="gone", error_type="ObjectNotFound").raise_error()
    FileResult("p", 3).raise_error()  # no error: nothing raised
