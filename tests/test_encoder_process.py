"""The question encoder's helper process: same vectors as in-process, started at the second question, and a
failed helper costs nothing but the parallelism."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tkgmem.encoder_process import EncoderProcess
from tkgmem.nlp import Encoder, default_encoder_path
from tkgmem.numpy_encoder import NumpyBertEncoder

pytestmark = pytest.mark.models

QUESTIONS = ["Where did Alice work before she moved to Berlin?", "hi", "",
             "Café naïve résumé, 東京 😀 -- punctuation!!!"]


@pytest.fixture(scope="module")
def inline() -> NumpyBertEncoder:
    return NumpyBertEncoder(default_encoder_path())


@pytest.fixture
def helper() -> Iterator[EncoderProcess]:
    process = EncoderProcess(default_encoder_path())
    process.start()
    assert process.wait_ready()
    yield process
    process.close()


def test_helper_gives_the_vectors_of_this_process(helper: EncoderProcess, inline: NumpyBertEncoder) -> None:
    for texts in ([QUESTIONS[0]], QUESTIONS, QUESTIONS[1:3]):
        vectors = helper.encode(texts)
        assert vectors is not None and vectors.shape == (len(texts), helper.dimension) == (len(texts), 384)
        assert np.abs(vectors - inline.encode(texts)).max() < 1e-6
    assert helper.served == 3


def test_threads_share_one_helper(helper: EncoderProcess, inline: NumpyBertEncoder) -> None:
    texts = [f"question number {i} about the move to Lisbon" for i in range(24)]
    got: dict[int, np.ndarray | None] = {}

    def ask(i: int) -> None:
        got[i] = helper.encode([texts[i]])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = inline.encode(texts)
    for i in range(len(texts)):
        vector = got[i]
        assert vector is not None and np.abs(vector[0] - expected[i]).max() < 1e-6  # no reply went to another


def test_a_dead_helper_fails_over_to_this_process(helper: EncoderProcess, inline: NumpyBertEncoder,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    proc = helper._proc
    assert proc is not None
    proc.kill()
    proc.wait()
    assert helper.encode([QUESTIONS[0]]) is None
    assert helper.failed and "encoded in this process" in caplog.text
    assert helper.encode([QUESTIONS[0]]) is None  # for good: no restart loop

    encoder = Encoder(process=True)
    encoder.process = helper  # a failed helper in place: questions still get their vectors
    assert np.abs(encoder.encode([QUESTIONS[0]]) - inline.encode([QUESTIONS[0]])).max() < 1e-6


def test_a_helper_that_cannot_load_fails_instead_of_hanging(tmp_path: Path) -> None:
    process = EncoderProcess(str(tmp_path))  # no model there: the child exits
    process.start()
    assert not process.wait_ready(timeout=60)
    assert process.failed and process.encode(["hi"]) is None


def test_encoder_starts_its_helper_at_the_second_question(inline: NumpyBertEncoder) -> None:
    encoder = Encoder(process=True)
    try:
        first = encoder.encode([QUESTIONS[0]])
        assert encoder.process is None  # a one-off command asks one question: no process for it
        encoder.encode([QUESTIONS[1]])
        assert encoder.process is not None and encoder.process.wait_ready()
        again = encoder.encode([QUESTIONS[0]])
        assert encoder.process.served == 1
        assert np.abs(again - first).max() < 1e-6
        batch = encoder.encode(QUESTIONS * 2)  # more than a few texts: not the helper's work
        assert encoder.process.served == 1 and batch.shape == (8, 384)
    finally:
        encoder.close()
    assert encoder.encode([QUESTIONS[0]]).shape == (1, 384)  # closed: encoded here again


def test_encoder_without_process_never_starts_one() -> None:
    encoder = Encoder(process=False)
    for text in QUESTIONS:
        encoder.encode([text])
    assert encoder.process is None and not encoder.start_helper()


def test_child_exits_when_its_parent_closes_the_pipe(helper: EncoderProcess) -> None:
    proc = helper._proc
    assert proc is not None and proc.stdin is not None
    proc.stdin.close()  # what the kernel does when the parent dies, even by SIGKILL
    assert proc.wait(timeout=10) == 0


def test_a_forked_process_starts_its_own_helper(inline: NumpyBertEncoder) -> None:
    # A pre-forking server copies the parent's encoder; the copy must not write into the parent's pipe.
    import os

    encoder = Encoder(process=True)
    try:
        assert encoder.start_helper()
        parent_helper = encoder.process
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own helper, the same vectors, the parent's helper untouched
            code = 1
            try:
                assert parent_helper is not None and parent_helper.encode(["hi"]) is None
                ok = encoder.start_helper() and encoder.process is not parent_helper
                vector = encoder.encode([QUESTIONS[0]])
                ok = ok and np.abs(vector - inline.encode([QUESTIONS[0]])).max() < 1e-6
                code = 0 if ok else 1
                encoder.close()
            finally:
                os.write(write, bytes([code]))
                os._exit(0)
        os.close(write)
        assert os.read(read, 1) == b"\x00"
        os.waitpid(pid, 0)
        assert encoder.process is parent_helper and parent_helper is not None and parent_helper.ready
        assert np.abs(encoder.encode([QUESTIONS[0]]) - inline.encode([QUESTIONS[0]])).max() < 1e-6
    finally:
        encoder.close()
