"""A BERT sentence encoder (mean pooling, normalised) run in numpy from its safetensors weights.

Why: importing torch and sentence-transformers costs ~8 s, which a one-off `tkgmem ask` pays for a
single question's embedding. The forward pass of a 6-layer, 384-wide BERT is a few small matrix
products, so numpy does it in milliseconds after ~0.3 s of loading. It computes the same function as
sentence-transformers (tests compare the two). On one thread it beats torch up to a few texts and is ~4
times slower on large batches, so `nlp.Encoder` uses it for a few texts at a time (a question).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tkgmem import blas

_SUPPORTED_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                      "sentence_transformers.models.Normalize"]


def supports(model_dir: str | Path) -> bool:
    """A local BERT with mean pooling and normalisation, weights in safetensors, a fast tokenizer file."""
    root = Path(model_dir)
    try:
        config = json.loads((root / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((root / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((root / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and [m.get("type") for m in modules] == _SUPPORTED_MODULES and bool(mean_only)
            and (root / "model.safetensors").is_file() and (root / "tokenizer.json").is_file())


class NumpyBertEncoder:
    """`encode(texts)` -> normalised float32 rows, as sentence-transformers gives for the same model."""

    def __init__(self, model_dir: str | Path, batch_size: int = 32) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = Path(model_dir)
        config = json.loads((root / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((root / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = min(int(st_config.get("max_seq_length", 512)), int(config["max_position_embeddings"]))
        self.batch_size = batch_size
        weights = load_file(str(root / "model.safetensors"))
        # Linear weights are kept transposed, (in, out), so each product is a plain row-major GEMM.
        self.w = {k: np.ascontiguousarray(v.T if _is_linear(k, v) else v, dtype=np.float32)
                  for k, v in weights.items() if not k.endswith("position_ids")}
        self.dimension = int(config["hidden_size"])
        tokenizer: Any = Tokenizer.from_file(str(root / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_length)
        tokenizer.no_padding()
        self.tokenizer = tokenizer

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with blas.one_thread:  # a question's matrices are tiny (see `blas`)
            return self._encode(texts, batch_size)

    def _encode(self, texts: Sequence[str], batch_size: int | None) -> np.ndarray:
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths together: little padding
        size = batch_size or self.batch_size
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self.w
        length = max(len(x) for x in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, row in enumerate(batch):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        # Padding must get no attention: a large negative score before the softmax.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            x = self._norm(x + self._linear(self._attention(x, bias, p), p + "attention.output.dense"),
                           p + "attention.output.LayerNorm")
            hidden = _gelu(self._linear(x, p + "intermediate.dense"))
            x = self._norm(x + self._linear(hidden, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _attention(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        b, t, d = x.shape
        h = self.heads

        def split(name: str) -> np.ndarray:
            return self._linear(x, p + f"attention.self.{name}").reshape(b, t, h, d // h).transpose(0, 2, 1, 3)

        q, k, v = split("query"), split("key"), split("value")
        # A Python float keeps the product float32; a numpy float64 scalar would promote every later
        # layer to float64 and triple the encoding time (numpy 2 casting rules).
        scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(d // h)) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        return (probs @ v).transpose(0, 2, 1, 3).reshape(b, t, d)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self.w[name + ".weight"]
        # One matrix product over all tokens of the batch (a 3-d operand would loop per text).
        flat = x.reshape(-1, x.shape[-1]) @ weight + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]


def _is_linear(name: str, weight: np.ndarray) -> bool:
    return weight.ndim == 2 and name.endswith(".weight") and not name.startswith("embeddings.")


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz & Stegun 7.1.26 (error below 1.5e-7)."""
    z = np.abs(x) * (1.0 / math.sqrt(2.0))  # a Python float: the result stays float32
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


__all__ = ["NumpyBertEncoder", "supports"]
