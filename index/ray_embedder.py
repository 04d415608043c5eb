"""Embedding on a Ray cluster: an Embedder whose encode() runs Ray Data's map_batches with a
callable class, so each worker loads the embedder once and embeds whole batches.

The batches are the ones a single process embeds (EMBED_BATCH_CHUNKS texts in the order
given), so the vectors are the single-process build's. ray is imported only here, only
when `qa index --ray` asks for it."""
from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedder import RAY_LOCAL, Embedder
from .errors import UserError
from .updates import EMBED_BATCH_CHUNKS

ADDRESS_TIMEOUT_S = 5.0


class RayAddressError(UserError):
    """The Ray address given to --ray does not answer."""


def looks_like_address(value: str) -> bool:
    """HOST:PORT, ray://HOST:PORT or auto; anything else is taken for a path."""
    return value in ("auto", RAY_LOCAL) or value.startswith("ray://") or (
        ":" in value and value.rsplit(":", 1)[1].isdigit())


def check_answers(address: str) -> None:
    """A TCP connection to the address, within ADDRESS_TIMEOUT_S: ray.init would wait minutes."""
    if address in ("auto", RAY_LOCAL):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=ADDRESS_TIMEOUT_S):
            return
    except (OSError, ValueError) as exc:
        raise RayAddressError(
            f"no Ray cluster answers at {address} ({exc.__class__.__name__}); start one there with "
            f"`ray start --head`, or leave out the address to embed on a local cluster") from exc


class RayAuthError(UserError):
    """The Ray cluster wants a token this process does not send."""


def check_token(address: str) -> None:
    """Ask the cluster's control service (GCS) for its id, with the token Ray would send: a
    cluster started with token authentication (the default of `ray start` since Ray 2.59)
    refuses a client without it, and ray.init would only log refusals for 20 s and then fail
    naming another address. A `ray://` client address is left to ray.init."""
    if address in ("auto", RAY_LOCAL) or address.startswith("ray://"):
        return
    import grpc
    from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

    token = _ray_token() if os.environ.get("RAY_AUTH_MODE", "").lower() == "token" else None
    metadata = [("authorization", f"Bearer {token}")] if token else None
    with grpc.insecure_channel(address) as channel:
        stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel)
        try:
            stub.GetClusterId(gcs_service_pb2.GetClusterIdRequest(), timeout=ADDRESS_TIMEOUT_S, metadata=metadata)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                return  # anything else is ray.init's to report
            if token is None:
                raise RayAuthError(
                    f"the Ray cluster at {address} requires token authentication: run with RAY_AUTH_MODE=token "
                    "(the token comes from RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token; "
                    "`ray get-auth-token` on the head prints it)") from None
            raise RayAuthError(f"the Ray cluster at {address} refused this machine's token: set RAY_AUTH_TOKEN "
                               "to the one `ray get-auth-token` prints on the head") from None


def _ray_token() -> str | None:
    if os.environ.get("RAY_AUTH_TOKEN"):
        return os.environ["RAY_AUTH_TOKEN"].strip()
    path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class _EmbedBatch:
    """One per Ray worker: loads the embedder once, then embeds each batch it is given."""

    def __init__(self, name: str, backend: str):
        from .opener import make_embedder

        self.embedder = make_embedder(name, backend)
        self.embedder.warm_up()

    def __call__(self, batch: dict) -> dict:
        texts = [str(t) for t in batch["texts"][0]]
        vectors = self.embedder.encode(texts)
        return {"group": batch["group"], "vectors": vectors[np.newaxis, ...]}


class RayEmbedder:
    """`inner`'s model run on Ray workers; tokens are counted (for chunking) locally by `inner`."""

    distributed = True

    def __init__(self, inner: Embedder, address: str = RAY_LOCAL, workers: int = 2):
        if workers < 1:
            raise UserError(f"--ray-workers must be at least 1, got {workers}")
        check_answers(address)
        check_token(address)
        self.inner = inner
        self.address = address
        self.workers = workers
        self.name = inner.name
        self.backend = inner.backend

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def warm_up(self) -> None:
        self.inner.warm_up()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def encode(self, texts: Sequence[str], show_progress_bar: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.inner.warm_up()  # makes the model's cached export once, before the workers load it
        ray = self._connect()
        groups = [list(texts[lo:lo + EMBED_BATCH_CHUNKS]) for lo in range(0, len(texts), EMBED_BATCH_CHUNKS)]
        dataset = ray.data.from_items([{"group": g, "texts": group} for g, group in enumerate(groups)],
                                      override_num_blocks=len(groups))
        workers = ray.data.ActorPoolStrategy(size=min(self.workers, len(groups)))
        embedded = dataset.map_batches(_EmbedBatch, fn_constructor_args=(self.inner.name, self.inner.backend),
                                       batch_size=1, compute=workers, num_cpus=1)
        vectors = [None] * len(groups)
        for row in embedded.iter_rows():
            vectors[int(row["group"])] = np.asarray(row["vectors"], dtype=np.float32)
        return np.concatenate(vectors)

    def close(self) -> None:
        """Stop the local cluster this embedder started (a remote one keeps running)."""
        import sys

        if "ray" in sys.modules:
            sys.modules["ray"].shutdown()

    def _connect(self):
        import logging

        # Ray's own progress and C++ notes would bury the indexer's lines; its logs stay in /tmp/ray.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        import ray
        import ray.data

        for name in ("ray", "ray.data"):  # after the import, which sets Ray Data's levels
            logging.getLogger(name).setLevel(logging.ERROR)

        if not ray.is_initialized():
            if self.address == RAY_LOCAL:
                # Loopback only: nothing outside this machine can join or reach it.
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1", logging_level="ERROR")
            else:
                ray.init(address=self.address, log_to_driver=False, logging_level="ERROR")
            ray.data.DataContext.get_current().enable_progress_bars = False
        return ray
