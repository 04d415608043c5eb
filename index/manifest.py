"""The manifest: what an index was built with and from, stored next to it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from .documents import Document

FORMAT_VERSION = 2  # 2: every generation carries CHECKSUMS.json


def content_hash(document: Document) -> str:
    """Changes whenever anything that ends up in the index or a citation changes."""
    digest = hashlib.sha256()
    for part in (document.title, document.text, json.dumps(dict(document.meta), sort_keys=True, default=str)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class DocumentEntry:
    hash: str
    source: str
    title: str
    chunks: int


@dataclass(frozen=True)
class Manifest:
    embedder: str
    dimension: int
    max_tokens: int
    overlap_tokens: int
    faiss_factory: str
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # How the vectors were computed (index/embedder.py); indexes older than the field: torch.
    embedder_backend: str = "torch"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["documents"] = {k: DocumentEntry(**v) for k, v in data.get("documents", {}).items()}
        return cls(**data)
