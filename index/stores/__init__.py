"""Where the chunks are kept and searched, behind one interface (base.py): a FAISS index
folder (the default) or Milvus (Milvus Lite in a local file, or a server).

A new kind of store is a module here with a Location and a Store (see base.py), and a branch
in locate(). Milvus modules are imported only when a Milvus store is named.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError
from .base import Hit, Location, Store, StoreWriter, in_canonical_order
from .faiss_folder import FaissFolder
from .faiss_store import FAISS_STORE

__all__ = ["FAISS_STORE", "Hit", "Location", "Store", "StoreWriter", "check_store", "in_canonical_order", "locate",
           "scoped_store", "store_description", "store_kind"]
STORE_FORMS = ("'faiss', 'milvus:PATH' (Milvus Lite in a local file) or 'http://HOST:19530' (a Milvus server)")


def locate(store: str, index_dir: Path) -> Location:
    """The Location a --store value names ("faiss": the folder `index_dir`); else ConfigError."""
    if store == FAISS_STORE:
        return FaissFolder(Path(index_dir))
    from .milvus_location import MilvusLocation
    from .milvus_store import MilvusAddress

    address = MilvusAddress.parse(store)
    if address is None:
        raise ConfigError(f"--store must be {STORE_FORMS}, got '{store}'")
    return MilvusLocation(address)


def check_store(store: str) -> str:
    """`store` if it names a store this program can open; else ConfigError."""
    locate(store, Path("."))
    return store


def store_kind(store: str) -> str:
    """What a user may be told about a store, without its path or host."""
    return locate(store, Path(".")).kind


STORE_DESCRIPTIONS = {FAISS_STORE: "the FAISS index on this server", "milvus-lite": "a Milvus Lite file on this server",
                      "milvus-server": "a Milvus server"}


def store_description(store: str) -> str:
    """The store in words a page may show (no path or host)."""
    return STORE_DESCRIPTIONS[store_kind(store)]


def scoped_store(store: str, scope: str) -> str:
    """A store of its own beside `store` (an evaluation corpus's): for Milvus, collections
    named after `scope` at the same address; a FAISS store is scoped by its folder already."""
    if store == FAISS_STORE:
        return store
    address = locate(store, Path(".")).address
    return str(replace(address, name=f"{address.name}_{scope}"))
