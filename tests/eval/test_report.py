from eval.report import calibration_bins, recall_curve, write_report
from eval.runner import EvalRun, summarize

from .test_baseline import row


def test_report_files_plots_and_escaping(tmp_path):
    rows = [row("1", 1.0, rank=2, score=0.95), row("2", 0.0, rank=None, prediction="<script>x</script>", score=0.3)]
    rows[1]["question"] = "What <b>is</b> it?"
    run = EvalRun(summarize(rows), rows)
    written = write_report(run, tmp_path / "rep")
    names = {p.name for p in written}
    assert {"report.md", "report.html", "recall_at_k.png", "f1_by_answer_type.png", "latency.png",
            "calibration.png"} <= names
    assert all(p.stat().st_size > 0 for p in written)
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "What &lt;b&gt;is&lt;/b&gt; it?" in page
    markdown = (tmp_path / "rep" / "report.md").read_text()
    assert "| 1 | q1? | x | x | 0.95 | yes | 2 |" in markdown


def test_recall_curve_and_calibration_by_hand():
    rows = [row("1", 1.0, rank=1, score=0.95), row("2", 0.0, rank=3, score=0.91), row("3", 1.0, rank=None, score=0.15)]
    run = EvalRun(summarize(rows), rows)
    assert recall_curve(run, depth=3) == [1 / 3, 1 / 3, 2 / 3]
    bins = calibration_bins(run)
    assert bins[0][1:] == (1.0, 1) and bins[-1][1:] == (0.5, 2)


def test_by_article_names_each_article_by_its_title():
    from eval.report import html_tables

    rows = [row("1", 1.0), row("2", 0.0)]
    rows[0]["gold_doc"], rows[1]["gold_doc"] = "ferry-7", "unknown-3"
    page = html_tables(EvalRun(summarize(rows), rows, titles={"ferry-7": "Ferry fares rise <again>"}))
    assert "Ferry fares rise &lt;again&gt; [ferry-7]" in page and ">unknown-3<" in page
