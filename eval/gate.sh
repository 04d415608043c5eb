#!/usr/bin/env bash
# The answer-quality gate: every question set against its committed baseline.
# Exits 1 when a quality metric drops by more than the tolerance or a question that was
# right is now wrong (every set is still checked). `bash eval/gate.sh --save` rewrites the
# baselines instead.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=(--baseline)
[ "${1:-}" = "--save" ] && mode=(--save-baseline)

status=0
check() {  # baseline name, then the eval arguments
    local name=$1; shift
    echo "== $name"
    python -m qa eval "$@" "${mode[@]}" "eval/baselines/$name.json" || status=$?
}
check bundled --questions eval/questions.jsonl
for corpus in general town events final holdout blind fresh sealed dated; do
    check "$corpus" --questions "eval/corpora/$corpus/questions.jsonl" --corpus "eval/corpora/$corpus/articles"
done
exit $status
