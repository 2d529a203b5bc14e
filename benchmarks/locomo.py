"""Evidence retrieval on LoCoMo: tkgmem's hybrid retrieval against BM25 and dense baselines.

    python -m benchmarks.locomo --data ../shared/data/locomo --out locomo.json

Each conversation is ingested into its own fresh embedded store with the real ingestion pipeline (the
LoCoMo reader + the default offline extractor), so this measures the product. Every question with gold
evidence is then asked of tkgmem (`HybridRetriever.search`), of BM25 over the same stored turn texts and
of dense retrieval with the same embeddings (the store's plain vector search). Scores are turn-level:
recall_any@k (a gold turn in the top k) and coverage@k (share of the gold turns in the top k), k = 5, 10,
overall and per LoCoMo category (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial).
The last line printed is the JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.baselines import BM25
from tkgmem.extract.pipeline import Pipeline
from tkgmem.ingest.formats import ReaderOptions, read_file
from tkgmem.ingest.items import EpisodeIn
from tkgmem.ingest.runner import IngestJob, episode_from
from tkgmem.nlp import Encoder, load_encoder
from tkgmem.retrieve.hybrid import HybridRetriever
from tkgmem.retrieve.weights import DEFAULT_WEIGHTS, Weights
from tkgmem.settings import Settings
from tkgmem.store import Store, open_store

KS = (5, 10)
TENANT = "locomo"
SYSTEMS = ("tkgmem", "bm25", "dense")


class PrecomputedEncoder:
    """Serves query vectors encoded beforehand in one batch (a batch is far cheaper per text than one by
    one on a busy CPU); anything else goes to the real encoder."""

    def __init__(self, encoder: Encoder, texts: list[str]) -> None:
        self.encoder = encoder
        unique = list(dict.fromkeys(texts))
        self.vectors = dict(zip(unique, encoder.encode(unique), strict=True))

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if all(t in self.vectors for t in texts):
            return np.stack([self.vectors[t] for t in texts])
        return self.encoder.encode(texts, batch_size)


class Scores:
    """Running sums of recall_any@k and coverage@k per category."""

    def __init__(self) -> None:
        self.sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, category: str, ranked: list[str], gold: set[str]) -> None:
        for key in ("all", category):
            s = self.sums[key]
            s["n"] += 1
            for k in KS:
                top = set(ranked[:k])
                s[f"recall_any@{k}"] += 1.0 if top & gold else 0.0
                s[f"coverage@{k}"] += len(top & gold) / len(gold)

    def summary(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for key in sorted(self.sums, key=lambda c: (c != "all", c)):
            s = self.sums[key]
            n = int(s["n"])
            out[key] = {m: round(v / n, 4) for m, v in s.items() if m != "n"} | {"n": n}
        return out


def questions(path: Path) -> list[dict[str, Any]]:
    """QA items with gold evidence, from one conversation file (a sample object or a list of them)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    samples = data if isinstance(data, list) else [data]
    out = []
    for index, sample in enumerate(samples):
        sample_id = str(sample.get("sample_id") or (path.stem if len(samples) == 1 else f"{path.stem}-{index}"))
        for qa in sample.get("qa", []):
            if qa.get("evidence"):
                out.append({**qa, "sample_id": sample_id})
    return out


def stored_turns(path: Path, tenant: str) -> list[tuple[str, str]]:
    """(episode id, text) of every turn as the ingestion stores it, for the baselines."""
    out = []
    for read in read_file(path, "locomo", ReaderOptions()):
        item = getattr(read, "item", None)
        if isinstance(item, EpisodeIn):
            ep = episode_from(read, item, tenant)  # type: ignore[arg-type]
            out.append((ep.id, ep.text))
    return out


def gold_ids(qa: dict[str, Any]) -> set[str]:
    """Gold evidence as episode ids (the LoCoMo reader ids turns `<sample>:<dia_id>`)."""
    out = set()
    for ev in qa["evidence"]:
        for part in str(ev).replace(";", " ").replace(",", " ").split():
            if part.startswith("D"):
                out.add(f"{qa['sample_id']}:{part}")
    return out


def ingest(store: Store, path: Path, settings: Settings) -> float:
    started = time.perf_counter()
    job = IngestJob(store, TENANT, lambda: Pipeline(settings), batch_size=settings.batch_size,
                    record_time="reference", progress=False)
    report = job.run_files([path], fmt="locomo")
    if report.rejected:
        print(f"  {report.rejected} rejected records in {path.name}", file=sys.stderr)
    return time.perf_counter() - started


def run(paths: Iterable[Path], work: Path, k_max: int = 10, reuse: bool = False,
        log: Callable[[str], None] = print, weights: Weights = DEFAULT_WEIGHTS) -> dict[str, Any]:
    settings = Settings(store_url="sqlite:///unused.db")
    encoder = load_encoder(settings.embedding_model)
    scores = {name: Scores() for name in SYSTEMS}
    timings: dict[str, float] = defaultdict(float)
    for path in paths:
        qas = questions(path)
        db = work / f"{path.stem}.db"
        if db.exists() and not reuse:
            db.unlink()
        store = open_store(f"sqlite:///{db}", settings)
        try:
            if not (reuse and store.stats(TENANT).episodes):
                timings["ingest_s"] += ingest(store, path, settings)
            turns = stored_turns(path, TENANT)
            bm25 = BM25([text for _, text in turns])
            plain = HybridRetriever(store)
            vectors = encoder.encode([q["question"] for q in qas])
            cached = PrecomputedEncoder(encoder, [plain.query_text(TENANT, q["question"]) for q in qas])
            retriever = HybridRetriever(store, cached, weights)
            started = time.perf_counter()
            for qa, vector in zip(qas, vectors, strict=True):
                gold = gold_ids(qa)
                category = str(qa.get("category", "?"))
                found = retriever.search(TENANT, qa["question"], k_max)
                scores["tkgmem"].add(category, [e.episode.id for e in found], gold)
                scores["bm25"].add(category, [turns[i][0] for i in bm25.top(qa["question"], k_max)], gold)
                dense = store.search_vector(TENANT, vector.tolist(), k_max)
                scores["dense"].add(category, [h.episode_id for h in dense], gold)
            timings["query_s"] += time.perf_counter() - started
            timings["questions"] += len(qas)
            line = scores["tkgmem"].summary()["all"]
            log(f"{path.name}: {len(turns)} turns, {len(qas)} questions; tkgmem so far "
                f"recall_any@10={line['recall_any@10']:.3f}")
        finally:
            store.close()
    summary: dict[str, Any] = {name: s.summary() for name, s in scores.items()}
    log(f"timings: {dict(timings)}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of LoCoMo conversation JSON files")
    parser.add_argument("--out", type=Path, help="write the JSON summary here too")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="reuse stores already ingested in --work")
    parser.add_argument("--only", nargs="*", help="conversation file stems to run (default: all)")
    parser.add_argument("--weights", type=json.loads, default={},
                        help='override retrieval weights, e.g. \'{"entity": 0}\' (for ablations)')
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.data.glob("*.json") if not args.only or p.stem in args.only)
    if not paths:
        parser.error(f"no .json files in {args.data}")
    with tempfile.TemporaryDirectory(prefix="locomo-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        summary = run(paths, work, reuse=args.reuse, log=lambda m: print(m, file=sys.stderr),
                      weights=DEFAULT_WEIGHTS.model_copy(update=args.weights))
    for name in SYSTEMS:
        a = summary[name]["all"]
        print(f"{name:>7}: recall_any@10={a['recall_any@10']:.3f} coverage@10={a['coverage@10']:.3f} "
              + " ".join(f"c{c}={v['recall_any@10']:.2f}" for c, v in summary[name].items() if c != "all"),
              file=sys.stderr)
    text = json.dumps(summary)
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
