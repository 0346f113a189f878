"""Table features: what a table's protocol asks of a writer, and what standby does with each.

Legacy protocol versions imply features (PROTOCOL.md, "Table Features"); version 7 lists
them. RULES is the one decision table (README's "Known limits" shows it): per feature, whether
a deep clone (a new version 0 with a new table id; backups are clones), a restore (a new
commit that re-adds and removes files) and replication (the log copied byte for byte) are
supported, supported with a warning (a side effect is not produced), or refused, and why.
Obligations a supported feature puts on a new commit are met in `delta.obligations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from standby.errors import UnsupportedFeature

Operation = Literal["clone", "restore", "replicate"]

_LEGACY_WRITER = {
    2: {"appendOnly", "invariants"},
    3: {"checkConstraints"},
    4: {"changeDataFeed", "generatedColumns"},
    5: {"columnMapping"},
    6: {"identityColumns"},
}


class Support(Enum):
    SUPPORTED = "supported"
    WARN = "supported, with a warning"
    REFUSED = "refused"


@dataclass(frozen=True)
class Rule:
    clone: Support
    restore: Support
    replicate: Support
    why: str

    def of(self, operation: Operation) -> Support:
        return getattr(self, operation)  # type: ignore[no-any-return]


S, W, R = Support.SUPPORTED, Support.WARN, Support.REFUSED
_ROWS = "rules for the rows writers add: clone and restore add only rows the table held"
_TYPES = "a data type or schema rule: data files and schema are copied as they are"
_UNIFORM = (
    "the copied files keep its rules, but UniForm's Iceberg metadata is not produced for "
    "the new table or commit (on Databricks: MSCK REPAIR TABLE <table> SYNC METADATA)"
)
_CATALOG = "its commits go through a catalog or coordinator: the files are not the whole table"

RULES: dict[str, Rule] = {
    "appendOnly": Rule(S, S, S, "restore refuses to remove files while delta.appendOnly=true"),
    "invariants": Rule(S, S, S, _ROWS),
    "checkConstraints": Rule(S, S, S, _ROWS),
    "generatedColumns": Rule(S, S, S, _ROWS),
    "allowColumnDefaults": Rule(S, S, S, _ROWS),
    "changeDataFeed": Rule(
        S, S, S, "a restore commit's changes are read from its add and remove actions"
    ),
    "columnMapping": Rule(
        S, S, S, "physical names kept; restore never lowers delta.columnMapping.maxColumnId"
    ),
    "identityColumns": Rule(
        S, S, S, "restore and re-clone never lower an identity column's high-water mark"
    ),
    "deletionVectors": Rule(S, S, S, "deletion-vector files are copied with their data files"),
    "rowTracking": Rule(
        S,
        S,
        S,
        "clone assigns fresh row IDs as Databricks' CLONE does; restore keeps the row IDs of "
        "re-added files and assigns fresh ones where missing (numRecords needed)",
    ),
    "domainMetadata": Rule(
        S, S, S, "domains are copied; restore keeps them and restores the clustering columns"
    ),
    "clustering": Rule(S, S, S, "the delta.clustering domain and per-file statistics are kept"),
    "liquid": Rule(S, S, S, "clustering's preview name (domain delta.liquid): as clustering"),
    "inCommitTimestamp": Rule(
        S, S, S, "each new commit starts with an inCommitTimestamp later than the previous one"
    ),
    "v2Checkpoint": Rule(S, S, S, "clone and restore write no checkpoint; replication copies them"),
    "vacuumProtocolCheck": Rule(S, S, S, "concerns VACUUM only, which standby never runs"),
    "checkpointProtection": Rule(S, S, S, "concerns checkpoints and log cleanup only"),
    "materializePartitionColumns": Rule(S, S, S, "concerns new data files; none are written"),
    "timestampNtz": Rule(S, S, S, _TYPES),
    "typeWidening": Rule(S, S, S, _TYPES),
    "typeWidening-preview": Rule(S, S, S, _TYPES),
    "variantType": Rule(S, S, S, _TYPES),
    "variantType-preview": Rule(S, S, S, _TYPES),
    "variantShredding": Rule(S, S, S, _TYPES),
    "variantShredding-preview": Rule(S, S, S, _TYPES),
    "collations": Rule(S, S, S, _TYPES),
    "collations-preview": Rule(S, S, S, _TYPES),
    "icebergCompatV1": Rule(W, W, W, _UNIFORM),
    "icebergCompatV2": Rule(W, W, W, _UNIFORM),
    "icebergCompatV3": Rule(W, W, W, _UNIFORM),
    "catalogManaged": Rule(R, R, R, _CATALOG),
    "catalogOwned-preview": Rule(R, R, R, _CATALOG),
    "coordinatedCommits-preview": Rule(R, R, R, _CATALOG),
    "redirectReaderWriter-preview": Rule(R, R, R, "the table redirects readers elsewhere"),
    "redirectWriterOnly-preview": Rule(R, R, R, "the table redirects writers elsewhere"),
}
UNKNOWN = Rule(
    R, R, W, "unknown to standby: its writer rules cannot be kept; the log is copied as it is"
)


def writer_features(protocol: dict[str, Any]) -> set[str]:
    """Every writer feature the protocol asks for, legacy ones included."""
    version = int(protocol.get("minWriterVersion", 1))
    if version >= 7:
        return set(protocol.get("writerFeatures") or [])
    implied: set[str] = set()
    for v, features in _LEGACY_WRITER.items():
        if version >= v:
            implied |= features
    return implied


def reader_features(protocol: dict[str, Any]) -> set[str]:
    version = int(protocol.get("minReaderVersion", 1))
    if version >= 3:
        return set(protocol.get("readerFeatures") or [])
    return {"columnMapping"} if version == 2 else set()


def check_features(
    protocol: dict[str, Any],
    *,
    operation: Operation,
    table: str,
    metadata: dict[str, Any] | None = None,
) -> list[str]:
    """Raise UnsupportedFeature naming every feature `operation` refuses; return a warning
    for each one it supports without producing one of its side effects."""
    features = sorted(writer_features(protocol) | reader_features(protocol))
    rules = {f: RULES.get(f, UNKNOWN) for f in features}
    refused = [f for f in features if rules[f].of(operation) is Support.REFUSED]
    if refused:
        why = "; ".join(f"{f}: {rules[f].why}" for f in refused)
        raise UnsupportedFeature(
            f"Cannot {operation} {table}: it uses the table feature(s) {', '.join(refused)} "
            f"({why}).",
            hint="Use the engine that owns the table (Databricks, Spark) for this operation.",
        )
    warnings = [
        f"{table} uses the table feature {f}: {rules[f].why}."
        for f in features
        if rules[f].of(operation) is Support.WARN
    ]
    formats = ((metadata or {}).get("configuration") or {}).get(
        "delta.universalFormat.enabledFormats"
    )
    if formats and not any(f.startswith("icebergCompat") for f in features):
        warnings.append(f"{table} has UniForm ({formats}) on: its metadata is not produced.")
    return warnings


def merge_protocols(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The smallest protocol that supports every feature of both (as Delta merges them)."""
    reader = max(int(a.get("minReaderVersion", 1)), int(b.get("minReaderVersion", 1)))
    writer = max(int(a.get("minWriterVersion", 1)), int(b.get("minWriterVersion", 1)))
    merged: dict[str, Any] = {"minReaderVersion": reader, "minWriterVersion": writer}
    if reader >= 3:
        merged["readerFeatures"] = sorted(reader_features(a) | reader_features(b))
    if writer >= 7:
        merged["writerFeatures"] = sorted(writer_features(a) | writer_features(b))
    return merged


def same_protocol(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two protocols ask the same of readers and writers."""
    return (
        int(a.get("minReaderVersion", 1)) == int(b.get("minReaderVersion", 1))
        and int(a.get("minWriterVersion", 1)) == int(b.get("minWriterVersion", 1))
        and reader_features(a) == reader_features(b)
        and writer_features(a) == writer_features(b)
    )


def _config(metadata: dict[str, Any], key: str) -> bool:
    return str((metadata.get("configuration") or {}).get(key, "false")).lower() == "true"


def is_append_only(metadata: dict[str, Any]) -> bool:
    return _config(metadata, "delta.appendOnly")


def ict_enabled(metadata: dict[str, Any]) -> bool:
    return _config(metadata, "delta.enableInCommitTimestamps")


def assigns_row_ids(protocol: dict[str, Any], metadata: dict[str, Any]) -> bool:
    """Row tracking is supported and not suspended: every new add needs fresh row IDs."""
    return "rowTracking" in writer_features(protocol) and not _config(
        metadata, "delta.rowTrackingSuspended"
    )
