"""Table features: what a table's protocol asks of a writer, and which operations refuse it.

Legacy protocol versions imply features (PROTOCOL.md, "Table Features"); version 7 lists
them. An operation that writes refuses any feature it does not know (invariant 7).
"""

from __future__ import annotations

from typing import Any

from standby.errors import UnsupportedFeature

_LEGACY_WRITER = {
    2: {"appendOnly", "invariants"},
    3: {"checkConstraints"},
    4: {"changeDataFeed", "generatedColumns"},
    5: {"columnMapping"},
    6: {"identityColumns"},
}

# Features whose rules a clone or restore commit keeps by copying actions as they are.
COPYABLE = frozenset(
    {
        "appendOnly",
        "invariants",
        "checkConstraints",
        "changeDataFeed",
        "generatedColumns",
        "columnMapping",
        "identityColumns",
        "deletionVectors",
        "rowTracking",
        "domainMetadata",
        "v2Checkpoint",
        "timestampNtz",
        "typeWidening",
        "typeWidening-preview",
        "vacuumProtocolCheck",
        "clustering",
        "liquid",
        "inCommitTimestamp",
        "variantType",
        "variantType-preview",
        "variantShredding-preview",
        "allowColumnDefaults",
        "materializePartitionColumns",
    }
)
# Features that need more than copied actions: iceberg metadata kept in sync, or a catalog
# that owns the commits.
NEVER = frozenset({"catalogManaged", "catalogOwned-preview", "icebergCompatV1", "icebergCompatV2"})


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


def require_writable(protocol: dict[str, Any], *, operation: str, table: str) -> None:
    """Raise UnsupportedFeature naming every feature `operation` cannot honour."""
    features = writer_features(protocol) | reader_features(protocol)
    refused = sorted(f for f in features if f in NEVER or f not in COPYABLE)
    if refused:
        raise UnsupportedFeature(
            f"Cannot {operation} {table}: it uses the table feature(s) {', '.join(refused)}, "
            "which standby does not write.",
            hint="Use the engine that owns the table (Databricks, Spark) for this operation.",
        )


def is_append_only(metadata: dict[str, Any]) -> bool:
    config = metadata.get("configuration") or {}
    return str(config.get("delta.appendOnly", "false")).lower() == "true"


def ict_enabled(metadata: dict[str, Any]) -> bool:
    config = metadata.get("configuration") or {}
    return str(config.get("delta.enableInCommitTimestamps", "false")).lower() == "true"
