"""Putting the passages that name a search's names first: what it changes. For every
answerable question of the bundled set and of each set under eval/corpora: recall@1, @5
and @10 of a search of 10 passages (the first passage that holds a gold answer in its gold
article) with names first and without; and for each name those questions mention, searched
alone, the share of searches whose first passage contains the name verbatim.

    python -m benchmarks.names_first [--retrieval hybrid]
"""
from __future__ import annotations

import argparse

from eval.metrics import first_relevant_rank, mean, passage_matches, recall_at
from eval.questions import load_questions
from eval.runner import corpus_config
from index.indexer import index_paths
from qa.config import REPO_ROOT, Config
from qa.pipeline import QAPipeline
from qa.retrieval import names_in

DEPTH = 10


def question_sets() -> list[tuple[str, object, object]]:
    sets = [("bundled", REPO_ROOT / "eval" / "questions.jsonl", REPO_ROOT / "data" / "articles")]
    for folder in sorted((REPO_ROOT / "eval" / "corpora").iterdir()):
        if (folder / "questions.jsonl").is_file() and (folder / "articles").is_dir():
            sets.append((folder.name, folder / "questions.jsonl", folder / "articles"))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrieval", default="hybrid", choices=["hybrid", "dense", "lexical"])
    args = parser.parse_args()
    print("| set | questions | recall@1 / @5 / @10 retriever's order | names first | names searched | "
          "first passage names it: retriever's order | names first |")
    print("|---|---|---|---|---|---|---|")
    for name, questions_path, articles in question_sets():
        config = corpus_config(articles, Config.load(retrieval=args.retrieval))
        index_paths(config.index_spec, [articles])
        pipeline = QAPipeline.open(config, with_reader=False)
        questions = [q for q in load_questions(questions_path) if q.answerable]
        ranks = {True: [], False: []}
        for question in questions:
            for first in (True, False):
                passages = pipeline.search(question.question, DEPTH, question.filters, names_first=first)
                ranks[first].append(first_relevant_rank(
                    [passage_matches(p.chunk.text, p.doc_id, question.answers, question.doc) for p in passages]))
        names = sorted({n for q in questions for n in names_in(q.question)})
        named = {first: mean([float(name in pipeline.search(name, DEPTH, names_first=first)[0].chunk.text)
                              for name in names]) for first in (False, True)}
        shown = {first: " / ".join(f"{mean([recall_at(r, k) for r in ranks[first]]):.3f}" for k in (1, 5, 10))
                 for first in (False, True)}
        print(f"| {name} | {len(questions)} | {shown[False]} | {shown[True]} | {len(names)} | {named[False]:.3f} | "
              f"{named[True]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
