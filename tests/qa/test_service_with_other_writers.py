"""The app and another program (the command line) writing to one index: the app answers
from what the other program wrote, and never replaces an article it did not know about."""
import subprocess
import sys

import pytest

from index.indexer import index_paths
from qa.config import Config
from qa.service import QAService

pytestmark = pytest.mark.slow


def test_the_app_sees_an_article_the_command_line_added_and_does_not_replace_it(corpus, tmp_path, embedder):
    config = Config(index_dir=tmp_path / "idx")
    index_paths(config.index_spec, [corpus], embedder=embedder)
    service = QAService(config, embedder=embedder)
    cli_file = tmp_path / "cli" / "ferry.txt"
    cli_file.parent.mkdir()
    cli_file.write_text("Ferry returns\nThe Ostrava ferry returned to service under captain Hanna Berg.")
    done = subprocess.run([sys.executable, "-m", "qa", "index", str(cli_file), "--add", "--index-dir",
                           str(config.index_dir)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    assert "ferry" in {a.doc_id for a in service.articles()}  # the app follows the new generation
    assert service.search("Ostrava ferry captain", top_k=1)[0].doc_id == "ferry"

    upload = tmp_path / "upload" / "ferry.txt"
    upload.parent.mkdir()
    upload.write_text("Ferry fares\nFerry fares rise by ten percent in May.")
    said = []
    report = service.add_articles([upload], log=said.append)
    assert report.added == ["ferry-2"] and not report.changed
    assert "Hanna Berg" in service.document_text("ferry") and "fares" in service.document_text("ferry-2")
    assert any("already indexed" in line for line in said)
