"""Wall time of one-off `tkgmem ask` commands, as a user at a shell sees it (a fresh process each time).

    python -m benchmarks.cli_latency --runs 5

Ingests the bundled demo into a temporary store, then times `tkgmem ask` on a question a navigator plan
answers (no embedding needed) and on one that falls back to hybrid retrieval (the question is embedded).
The ratio fallback / plan is what embedding the question costs a one-off command; the plan question is
the baseline run in the same session. `torch_load_s` is a fresh process that only imports
sentence-transformers and loads the same model: what every fallback paid before questions were embedded
in numpy (`tkgmem/numpy_encoder.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAN_QUESTION = "Where did Alice work before she moved to Berlin?"
FALLBACK_QUESTION = "What does Alice think about remote work?"


_TORCH_LOAD = ("from sentence_transformers import SentenceTransformer; from tkgmem.nlp import default_encoder_path; "
               "SentenceTransformer(default_encoder_path(), device='cpu').encode(['x'])")


def _timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = f"sqlite:///{Path(tmp) / 'demo.db'}"
        cli = ("-m", "tkgmem.cli.main")
        _timed(*cli, "demo", "--store", store)
        common = ("--store", store, "--tenant", "demo")
        times: dict[str, list[float]] = {"plan": [], "fallback": [], "torch_load": []}
        for _ in range(args.runs):  # interleaved, so load changes hit all alike
            times["plan"].append(_timed(*cli, "ask", PLAN_QUESTION, *common))
            times["fallback"].append(_timed(*cli, "ask", FALLBACK_QUESTION, *common))
            times["torch_load"].append(_timed("-c", _TORCH_LOAD))
    median = {k: round(statistics.median(v), 2) for k, v in times.items()}
    out = {"plan_s": median["plan"], "fallback_s": median["fallback"], "torch_load_s": median["torch_load"],
           "fallback_over_plan": round(median["fallback"] / median["plan"], 2), "runs": args.runs,
           "load_avg_1min": round(os.getloadavg()[0], 2)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
