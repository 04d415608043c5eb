"""Readers and writers on one index at once, in separate processes: a read during a write
always gets one complete generation, never a false "damaged"."""
import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import index.storage as storage
    from index.documents import Document
    from index.stores.faiss_writer import FaissWriter
    from index.opener import make_embedder

    storage.RETIRED_GRACE_S = float(sys.argv[3])
    root, writes, pause = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[4])
    writer = FaissWriter(root, make_embedder())
    for n in range(writes):
        text = f"Note {n}\\nThe council met for the {n}th time and approved {n} new benches."
        writer.update([Document(f"note{n}", f"Note {n}", text, f"note{n}.txt")], remove_missing=False)
        time.sleep(pause)
    (root.parent / "writer-done").write_text("done")
""")

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from index.stores.faiss_store import FaissStore

    root, least = Path(sys.argv[1]), int(sys.argv[2])
    reads, failures, started = 0, [], time.monotonic()
    while (reads < least or not (root.parent / "writer-done").exists()) and time.monotonic() - started < 600:
        try:
            collection = FaissStore.load(root)
            assert len(collection.chunks) == len(collection.dense) == len(collection.lexical)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}"[:400])
        reads += 1
    print(json.dumps({"reads": reads, "failures": failures}))
""")


# Back to back writes with old generations kept (the default); and writes a moment apart with
# each old generation removed at once, so that a reader caught inside one must reopen the new.
@pytest.mark.parametrize("grace_s, pause_s", [(120.0, 0.0), (0.0, 0.3)],
                         ids=["old-generations-kept", "old-generations-removed-at-once"])
def test_reads_beside_writes_never_fail(built_index, tmp_path, grace_s, pause_s):
    import shutil

    root = tmp_path / "index"
    shutil.copytree(built_index, root)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root), "20", str(grace_s), str(pause_s)])
    reader = subprocess.run([sys.executable, "-c", READER, str(root), "50"], capture_output=True, text=True,
                            timeout=900)
    assert writer.wait(timeout=900) == 0
    outcome = json.loads(reader.stdout.strip().splitlines()[-1])
    assert outcome["reads"] >= 50 and outcome["failures"] == [], "\n".join(outcome["failures"][:3])
    from index.stores.faiss_store import FaissStore

    assert {f"note{n}" for n in range(20)} <= set(FaissStore.load(root).documents)
