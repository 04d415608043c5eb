"""report.md and report.html with a per-question table and four plots."""
from __future__ import annotations

import html
from pathlib import Path

from .metrics import mean, recall_at
from .runner import EvalRun, is_correct

PLOTS = {
    "recall_at_k.png": "Recall@k: share of answerable questions with a gold passage in the top k",
    "f1_by_answer_type.png": "F1 per answer type",
    "latency.png": "Latency per question",
    "calibration.png": "Score calibration: how often an answer with a given score is right",
}


def write_report(run: EvalRun, folder: Path, title: str = "Evaluation report") -> list[Path]:
    """Write report.md, report.html and the plots into `folder`; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_plots(run, folder)
    (folder / "report.md").write_text(_markdown(run, title), encoding="utf-8")
    (folder / "report.html").write_text(_html(run, title), encoding="utf-8")
    return written + [folder / "report.md", folder / "report.html"]


def recall_curve(run: EvalRun, depth: int = 10) -> list[float]:
    answerable = [r for r in run.rows if r["answerable"]]
    return [mean([recall_at(r["gold_rank"], k) for r in answerable]) for k in range(1, depth + 1)]


def calibration_bins(run: EvalRun, bins: int = 10) -> list[tuple[float, float, int]]:
    """(bin centre, share right, count) over the answered questions, by answer score."""
    answered = [r for r in run.rows if r["score"] is not None]
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [r for r in answered if lo <= r["score"] < hi or (b == bins - 1 and r["score"] == 1.0)]
        if members:
            out.append(((lo + hi) / 2, mean([float(is_correct(r)) for r in members]), len(members)))
    return out


def write_plots(run: EvalRun, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []

    def save(fig, name):
        path = folder / name
        fig.tight_layout()
        fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # no label cut at an edge
        plt.close(fig)
        paths.append(path)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    curve = recall_curve(run)
    ax.plot(range(1, len(curve) + 1), curve, marker="o")
    ax.set(xlabel="k (passages)", ylabel="recall@k", ylim=(0, 1.02), title="Recall@k")
    ax.grid(alpha=0.3)
    save(fig, "recall_at_k.png")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    by_type = run.by_answer_type
    names = list(by_type)
    ax.bar(names, [by_type[n]["f1"] for n in names], color="#4c72b0")
    for i, n in enumerate(names):
        ax.text(i, by_type[n]["f1"] + 0.02, f"n={by_type[n]['n']}", ha="center", fontsize=7)
    ax.set(ylabel="F1", ylim=(0, 1.1), title="F1 per answer type")
    ax.tick_params(axis="x", labelsize=8)
    plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
    save(fig, "f1_by_answer_type.png")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for stage in ("retrieve", "read", "total"):
        ax.hist([r["timings_ms"][stage] for r in run.rows], bins=20, alpha=0.55, label=stage)
    ax.set(xlabel="milliseconds", ylabel="questions", title="Latency per stage")
    ax.legend()
    save(fig, "latency.png")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    bins = calibration_bins(run)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    if bins:
        ax.bar([b[0] for b in bins], [b[1] for b in bins], width=0.09, alpha=0.7, label="share right")
        for centre, share, count in bins:
            ax.text(centre, share + 0.02, str(count), ha="center", fontsize=7)
    ax.set(xlabel="answer score", ylabel="share right", xlim=(0, 1), ylim=(0, 1.1), title="Score calibration")
    ax.legend(fontsize=8)
    save(fig, "calibration.png")
    return paths


METRIC_MEANINGS = {
    "exact_match": "exact match: share of questions answered exactly right (or rightly left unanswered)",
    "f1": "F1: word overlap of the answer with the right one, averaged",
    "recall_at_1": "recall@1: the right passage ranked first",
    "recall_at_5": "recall@5: the right passage among the first 5",
    "recall_at_10": "recall@10: the right passage among the first 10",
    "mrr": "MRR: 1 / rank of the right passage, averaged",
    "no_answer_accuracy": "unanswerable questions left unanswered",
    "no_answer_precision": "of the questions left unanswered, share that could not be answered",
    "no_answer_recall": "unanswerable questions left unanswered (recall)",
    "precision_at_score_0_8": "answers scored 0.8 or more that are right",
    "answers_at_score_0_8": "answers scored 0.8 or more (how many)",
    "latency_ms_p50": "time per question, median (ms)",
    "latency_ms_p95": "time per question, 95th percentile (ms)",
    "latency_ms_retrieve_p50": "retrieval time, median (ms)",
    "latency_ms_retrieve_p95": "retrieval time, 95th percentile (ms)",
    "latency_ms_read_p50": "reading time, median (ms)",
    "latency_ms_read_p95": "reading time, 95th percentile (ms)",
    "n": "questions",
}


def _metric_rows(metrics: dict) -> list[tuple[str, str]]:
    return [(k, f"{v:.3f}" if isinstance(v, float) else str(v)) for k, v in metrics.items()]


def _explained_metric_rows(metrics: dict) -> list[list[str]]:
    """(what it means, value, key): for a reader who does not know the keys by heart."""
    return [[METRIC_MEANINGS.get(k, k), v, k] for k, v in _metric_rows(metrics)]


def _group_table_md(groups: dict[str, dict], label: str, titles: dict[str, str] | None = None) -> list[str]:
    lines = [f"| {label} | n | EM | F1 | R@5 |", "| --- | --- | --- | --- | --- |"]
    for name, m in groups.items():
        lines.append(f"| {_cell(_titled(name, titles))} | {m['n']} | {m['exact_match']:.3f} | {m['f1']:.3f} "
                     f"| {m['recall_at_5']:.3f} |")
    return lines


def _titled(doc_id: str, titles: dict[str, str] | None) -> str:
    """An article as a reader knows it: "Its title [its-id]" (the id alone when its title is not known)."""
    title = (titles or {}).get(doc_id)
    return f"{title} [{doc_id}]" if title else doc_id


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(run: EvalRun, title: str) -> str:
    lines = [f"# {title}", "", "| metric | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in _metric_rows(run.metrics)]
    lines += ["", "## By answer type", ""] + _group_table_md(run.by_answer_type, "answer type")
    lines += ["", "## By article", ""] + _group_table_md(run.by_article, "article", run.titles)
    lines += ["", "## Plots", ""] + [f"![{caption}]({name})" for name, caption in PLOTS.items()]
    lines += ["", "## Questions", "", "| id | question | gold | prediction | score | correct | gold rank |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in run.rows:
        gold = " / ".join(r["gold"]) or "(unanswerable)"
        score = "" if r["score"] is None else f"{r['score']:.2f}"
        lines.append(f"| {r['id']} | {_cell(r['question'])} | {_cell(gold)} | {_cell(r['prediction'] or '(no answer)')} "
                     f"| {score} | {'yes' if is_correct(r) else 'no'} | {r['gold_rank'] or '-'} |")
    return "\n".join(lines) + "\n"


def html_tables(run: EvalRun, plots: str = "") -> str:
    """The report's body: metrics, per-type and per-article tables, `plots`, the questions.
    Every value is escaped."""
    e = html.escape

    def table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
        head = "".join(f"<th>{e(h)}</th>" for h in header)
        body = "".join(
            f"<tr class='{classes[i] if classes else ''}'>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>"
            for i, row in enumerate(rows)
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def groups(data: dict[str, dict], label: str, titles: dict[str, str] | None = None) -> str:
        return table([label, "n", "EM", "F1", "R@5"],
                     [[_titled(k, titles), m["n"], f"{m['exact_match']:.3f}", f"{m['f1']:.3f}", f"{m['recall_at_5']:.3f}"]
                      for k, m in data.items()])

    question_rows = [
        [r["id"], r["question"], " / ".join(r["gold"]) or "(unanswerable)", r["prediction"] or "(no answer)",
         "" if r["score"] is None else f"{r['score']:.2f}", "yes" if is_correct(r) else "no", r["gold_rank"] or "-"]
        for r in run.rows
    ]
    return f"""{table(["metric", "value", "key in --json"], _explained_metric_rows(run.metrics))}
<h2>By answer type</h2>{groups(run.by_answer_type, "answer type")}
<h2>By article</h2>{groups(run.by_article, "article", run.titles)}
{plots}
<h2>Questions</h2>
{table(["id", "question", "gold", "prediction", "score", "correct", "gold rank"], question_rows,
       ["right" if is_correct(r) else "wrong" for r in run.rows])}"""


def _html(run: EvalRun, title: str) -> str:
    e = html.escape
    plots = "<h2>Plots</h2>" + "".join(
        f"<figure><img src='{e(name)}' alt='{e(caption)}'><figcaption>{e(caption)}</figcaption></figure>"
        for name, caption in PLOTS.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
tr.wrong td {{ background: #fdecea; }} tr.right td {{ background: #edf7ed; }}
figure {{ display: inline-block; margin: 0.5em; }} img {{ max-width: 480px; }}
</style></head><body>
<h1>{e(title)}</h1>
{html_tables(run, plots)}
</body></html>
"""
