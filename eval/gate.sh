#!/usr/bin/env bash
# The answer-quality gate: both question sets against their committed baselines.
# Exits 1 when a quality metric drops by more than the tolerance or a question that was
# right is now wrong. `bash eval/gate.sh --save` rewrites the baselines instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(--baseline)
[ "${1:-}" = "--save" ] && mode=(--save-baseline)

python -m qa eval --questions eval/questions.jsonl "${mode[@]}" eval/baselines/bundled.json
python -m qa eval --questions eval/corpora/general/questions.jsonl --corpus eval/corpora/general/articles \
    "${mode[@]}" eval/baselines/general.json
