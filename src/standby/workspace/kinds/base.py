"""What a resource kind is: how standby lists, reads, writes and names one kind of object.

A `Kind` says how to list, read, create, update and delete its objects through
databricks-sdk; which key names an object across workspaces; which fields the server sets
(dropped on export); which fields hold ids of other objects (rewritten to names on export,
to the target's ids on sync); and which hold storage locations (mapped between sites).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

Doc = dict[str, Any]


@dataclass(frozen=True)
class Remote:
    """One object as a workspace holds it: its id there, its name (the key that matches it
    across workspaces), the API's answer, and whether that answer still lacks a `read`."""

    kind: str
    id: str
    name: str
    body: Doc
    complete: bool = True


def _always(root: Doc, holder: Doc) -> bool:
    return True


@dataclass(frozen=True)
class Ref:
    """A field holding the id of another object. `path` is dotted, `[]` meaning each element
    of a list; the target kind is `kind`, or the value of the document's field `kind_field`."""

    path: str
    kind: str = ""
    kind_field: str = ""
    cast: Callable[[str], Any] = str
    applies: Callable[[Doc, Doc], bool] = _always

    def target(self, doc: Doc) -> str:
        return self.kind or str(doc.get(self.kind_field, ""))


def _nothing(w: WorkspaceClient, item: Remote) -> Remote:
    return item


def _same(body: Doc) -> Doc:
    return dict(body)


@dataclass(frozen=True)
class Kind:
    """One kind of workspace object. Bodies given to create/update are documents (export
    form) whose references already hold the target workspace's ids."""

    name: str
    list: Callable[[WorkspaceClient], Iterable[Remote]]
    create: Callable[[WorkspaceClient, str, Doc], str]
    update: Callable[[WorkspaceClient, Remote, Doc], None]
    delete: Callable[[WorkspaceClient, Remote], None]
    read: Callable[[WorkspaceClient, Remote], Remote] = _nothing
    to_doc: Callable[[Doc], Doc] = _same  # the API's answer -> the desired-state document
    server_fields: tuple[str, ...] = ()
    refs: tuple[Ref, ...] = ()
    locations: tuple[str, ...] = ()
    names_are_ids: bool = False  # a reference to it holds its name (a path, a UC name)
    parents: tuple[str, ...] = ()  # kinds it is attached to (grants, ACLs)
    exists: Callable[[Doc], bool] = lambda doc: True  # an empty ACL is no object
    filled_apart: tuple[str, ...] = ()  # fields update does not set (secret keys)

    def referenced_kinds(self) -> set[str]:
        """Kinds whose objects this kind's references may point at."""
        out = {r.kind for r in self.refs if r.kind}
        return out | (set(self.parents) if any(r.kind_field for r in self.refs) else set())


def listed(
    kind_name: str,
    items: Iterable[Any],
    *,
    id_field: str,
    name_field: str,
    complete: bool = True,
) -> Iterator[Remote]:
    """Remotes of SDK objects (anything with `as_dict`), by their id and name fields."""
    for item in items:
        body = item.as_dict()
        yield Remote(kind_name, str(body[id_field]), str(body[name_field]), body, complete)


def posted(
    create_path: str,
    edit_path: str,
    id_field: str,
    *,
    request: Callable[[Doc], Doc] = _same,
) -> tuple[
    Callable[[WorkspaceClient, str, Doc], str], Callable[[WorkspaceClient, Remote, Doc], None]
]:
    """create and update of a kind whose REST API takes the document as the body: POST
    `create_path` answers the id in `id_field`; POST `edit_path` (`{id}` filled) changes it."""

    def create(w: WorkspaceClient, name: str, doc: Doc) -> str:
        return str(w.api_client.do("POST", create_path, body=request(doc))[id_field])

    def update(w: WorkspaceClient, item: Remote, doc: Doc) -> None:
        body = {**request(doc), id_field: item.id}
        w.api_client.do("POST", edit_path.format(id=item.id), body=body)

    return create, update
