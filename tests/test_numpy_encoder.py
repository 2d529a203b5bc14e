"""The numpy forward pass must give the vectors sentence-transformers gives for the bundled model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tkgmem.nlp import Encoder, default_encoder_path
from tkgmem.numpy_encoder import NumpyBertEncoder, supports

pytestmark = pytest.mark.models

TEXTS = [
    "Where did Alice work before she moved to Berlin?",
    "hi",
    "",
    "Café naïve résumé, 東京 😀 -- punctuation!!! and UPPER case",
    "I went to a LGBTQ support group yesterday and it was so powerful. " * 30,  # past the 256-token limit
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(default_encoder_path(), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True), dtype=np.float32)


def test_same_vectors_as_sentence_transformers(reference: np.ndarray) -> None:
    vectors = NumpyBertEncoder(default_encoder_path()).encode(TEXTS)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.abs(vectors - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batches_and_order_do_not_change_a_vector(reference: np.ndarray) -> None:
    encoder = NumpyBertEncoder(default_encoder_path(), batch_size=2)
    backwards = encoder.encode(TEXTS[::-1])[::-1]
    assert np.abs(backwards - reference).max() < 1e-5


def test_encoder_uses_numpy_for_a_question_and_agrees_with_torch_on_batches(reference: np.ndarray) -> None:
    encoder = Encoder()
    one = encoder.encode([TEXTS[0]])
    assert encoder._model is None  # torch was not needed for one question
    many = encoder.encode(TEXTS * 3)  # a batch: sentence-transformers
    assert encoder._model is not None
    assert np.abs(one[0] - many[0]).max() < 1e-5
    assert np.abs(many[: len(TEXTS)] - reference).max() < 1e-5
    again = encoder.encode([TEXTS[0]])  # numpy still serves a question once torch is loaded
    assert np.abs(again[0] - reference[0]).max() < 1e-5


def test_every_layer_computes_in_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    # A float64 activation makes every product cast its weights: the encoding ran 3x slower that way.
    encoder = NumpyBertEncoder(default_encoder_path())
    seen: set[np.dtype] = set()
    linear = encoder._linear

    def recording(x: np.ndarray, name: str) -> np.ndarray:
        seen.add(x.dtype)
        return linear(x, name)

    monkeypatch.setattr(encoder, "_linear", recording)
    encoder.encode(TEXTS[:2])
    assert seen == {np.dtype(np.float32)}


def test_models_it_cannot_run_go_to_sentence_transformers(tmp_path: Path) -> None:
    source = Path(default_encoder_path())
    assert supports(source)
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert not supports(copy)
    assert not supports(tmp_path / "missing")
    (copy / "model.safetensors").unlink()
    assert not supports(copy)

