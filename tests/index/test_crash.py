"""A real indexing process killed with SIGKILL at several moments, inside the save too:
afterwards the index opens as either the old or the new complete state, and the next run
finishes and leaves no staging folder behind."""
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index.stores.faiss_store import FaissStore

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

# Runs `python -m qa index`, with SIGKILL sent to itself at the named step of the save.
KILLING_RUN = textwrap.dedent("""
    import os, signal, sys
    import index.storage as storage

    def kill_after(name):
        original = getattr(storage, name)
        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return result
        setattr(storage, name, wrapped)

    def kill_before(name):
        def wrapped(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        setattr(storage, name, wrapped)

    step = sys.argv[1]
    if step == "staged":
        kill_before("_write_checksums")
    elif step == "checksummed":
        kill_after("_write_checksums")
    elif step == "renamed":
        kill_before("_replace_pointer")
    elif step == "switched":
        kill_after("_replace_pointer")
    from cli.main import main
    sys.exit(main(["index", *sys.argv[2:]]))
""")


def _run(*args, **kwargs):
    return subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, **kwargs)


@pytest.fixture()
def old_and_new(corpus, tmp_path, embedder):
    from index.indexer import index_paths
    from qa.config import Config

    root = tmp_path / "idx"
    index_paths(Config(index_dir=root).index_spec, [corpus], embedder=embedder)
    (corpus / "ferry.txt").write_text("Ferry news\nThe ferry resumed sailing on Tuesday.", encoding="utf-8")
    return root, corpus, {"chess", "harbour", "orchard"}, {"chess", "harbour", "orchard", "ferry"}


def _check_then_finish(root, corpus, old, new):
    assert set(FaissStore.load(root).documents) in (old, new)
    finished = _run("-m", "qa", "index", str(corpus), "--index-dir", str(root))
    assert finished.wait(300) == 0
    assert set(FaissStore.load(root).documents) == new
    assert not [p for p in root.iterdir() if p.name.startswith(".gen-")]


@pytest.mark.parametrize("step", ["staged", "checksummed", "renamed", "switched"])
def test_killed_inside_the_save(old_and_new, step):
    root, corpus, old, new = old_and_new
    killed = _run("-c", KILLING_RUN, step, str(corpus), "--index-dir", str(root))
    assert killed.wait(300) == -signal.SIGKILL
    state = set(FaissStore.load(root).documents)
    assert state == (new if step == "switched" else old)
    _check_then_finish(root, corpus, old, new)


@pytest.mark.parametrize("delay", [0.5, 2.0, 4.0])
def test_killed_at_any_moment(old_and_new, delay):
    root, corpus, old, new = old_and_new
    run = _run("-m", "qa", "index", str(corpus), "--index-dir", str(root))
    time.sleep(delay)
    run.send_signal(signal.SIGKILL)
    run.wait(60)
    _check_then_finish(root, corpus, old, new)
