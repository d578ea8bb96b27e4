"""LanceDB backend: the embedded default of ``yarrow serve`` (on-disk, in-process).

One Lance table per collection under ``path`` with columns ``id``, ``document_id``, ``text``,
``metadata`` (JSON) and ``vector`` (fixed-size float32). A native full-text index on ``text`` is
created with the table (no stemming, no stop words: see :mod:`~.scoring`). Vector search is
exact until :meth:`LanceDBVectorStore.optimize` finds ``ann_min_rows`` rows, then it builds an
IVF-HNSW-SQ cosine index once; searches on an indexed table use ``nprobes``/``ef`` and re-rank
``refine_factor * top_k`` candidates with exact distances so scores stay exact.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import lancedb
import pyarrow as pa
from lancedb.index import FTS, IvfHnswSq

from yarrow.settings.vector_store import VectorStoreSettings
from yarrow.vectorstores.base import VectorStore
from yarrow.vectorstores.errors import VectorStoreUnavailable
from yarrow.vectorstores.filters import Filter, In
from yarrow.vectorstores.lancedb_sql import compile_filter
from yarrow.vectorstores.types import (
    Capabilities,
    HealthStatus,
    MetadataValue,
    RawHit,
    VectorRecord,
)

_COLUMNS = ["id", "document_id", "text", "metadata"]
_DELETE_BATCH = 1000


class LanceDBVectorStore(VectorStore):
    """Collections as Lance tables in one directory."""

    name: ClassVar[str] = "lancedb"
    capabilities: ClassVar[Capabilities] = Capabilities(
        full_text=True, metadata_filter=True, ann_index=True, persistent=True, max_dimension=16000
    )

    def __init__(
        self,
        path: str | Path,
        *,
        ann_min_rows: int = 50_000,
        nprobes: int = 20,
        ef: int = 100,
        refine_factor: int = 4,
        read_consistency_interval: float = 0.0,
    ) -> None:
        """Open (lazily creating) the store in directory ``path``.

        Args:
            ann_min_rows: row count from which ``optimize`` builds the ANN index.
            nprobes: IVF partitions probed per query once indexed.
            ef: HNSW candidate list size per query once indexed.
            refine_factor: candidates re-ranked exactly, as a multiple of ``top_k``.
            read_consistency_interval: seconds between checks for other processes' writes.
        """
        self._path = Path(path)
        self._ann_min_rows = ann_min_rows
        self._nprobes = nprobes
        self._ef = ef
        self._refine = refine_factor
        self._interval = timedelta(seconds=read_consistency_interval)
        self._lock = threading.Lock()
        self._db: Any = None
        self._tables: dict[str, Any] = {}

    # ----------------------------------------------------------------------------- plumbing
    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except (OSError, RuntimeError, ValueError, pa.ArrowException) as exc:
            raise VectorStoreUnavailable(f"LanceDB failed to {action}: {exc}") from exc

    def _conn(self) -> Any:
        with self._lock:
            if self._db is None:
                if self._path.exists() and not self._path.is_dir():
                    raise VectorStoreUnavailable(f"LanceDB path {self._path} is not a directory.")
                with self._translate("open the database"):
                    self._path.mkdir(parents=True, exist_ok=True)
                    self._db = lancedb.connect(
                        str(self._path), read_consistency_interval=self._interval
                    )
            return self._db

    def _table(self, name: str) -> Any:
        table = self._tables.get(name)
        if table is None:
            with self._translate(f"open collection {name!r}"):
                table = self._conn().open_table(name)
            self._tables[name] = table
        return table

    def _table_names(self) -> list[str]:
        with self._translate("list collections"):
            names: list[str] = []
            token = None
            while True:
                page = self._conn().list_tables(page_token=token)
                names.extend(page.tables)
                token = page.page_token
                if not token:
                    return names

    @staticmethod
    def _schema(dimension: int) -> pa.Schema:
        return pa.schema(
            [
                pa.field("id", pa.string(), nullable=False),
                pa.field("document_id", pa.string(), nullable=False),
                pa.field("text", pa.string(), nullable=False),
                pa.field("metadata", pa.json_(pa.utf8())),
                pa.field("vector", pa.list_(pa.float32(), dimension)),
            ]
        )

    # ----------------------------------------------------------------------------- collections
    def _dimension(self, name: str) -> int | None:
        if name not in self._tables and name not in self._table_names():
            return None
        with self._translate(f"read collection {name!r}"):
            size: int = self._table(name).schema.field("vector").type.list_size
        return size

    def _create(self, name: str, dimension: int) -> None:
        with self._translate(f"create collection {name!r}"):
            table = self._conn().create_table(name, schema=self._schema(dimension), exist_ok=True)
            if not table.list_indices():
                config = FTS(stem=False, remove_stop_words=False, ascii_folding=False)
                table.create_index("text", config=config)
        self._tables[name] = table

    def _list(self) -> list[str]:
        return self._table_names()

    def _drop(self, name: str) -> None:
        self._tables.pop(name, None)
        with self._translate(f"drop collection {name!r}"):
            self._conn().drop_table(name, ignore_missing=True)

    # ----------------------------------------------------------------------------- writes
    def _upsert(self, name: str, records: list[VectorRecord]) -> None:
        table = self._table(name)
        dim = table.schema.field("vector").type.list_size
        data = pa.table(
            {
                "id": [r.id for r in records],
                "document_id": [r.document_id for r in records],
                "text": [r.text for r in records],
                "metadata": pa.array(
                    [json.dumps(dict(r.metadata), ensure_ascii=False) for r in records]
                ).cast(pa.json_(pa.utf8())),
                "vector": pa.array([list(r.vector) for r in records], pa.list_(pa.float32(), dim)),
            },
            schema=self._schema(dim),
        )
        with self._translate(f"write to collection {name!r}"):
            (
                table.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )

    def _delete_where(self, name: str, field: str, values: list[str]) -> None:
        table = self._table(name)
        with self._translate(f"remove records of collection {name!r}"):
            for start in range(0, len(values), _DELETE_BATCH):
                chunk = tuple(values[start : start + _DELETE_BATCH])
                table.delete(compile_filter(In(field, chunk)))

    def _delete_ids(self, name: str, ids: list[str]) -> None:
        self._delete_where(name, "id", ids)

    def _delete_documents(self, name: str, document_ids: list[str]) -> None:
        self._delete_where(name, "document_id", document_ids)

    def optimize(self, collection: str) -> None:
        """Merge new rows into the indexes; build the ANN index at ``ann_min_rows`` rows."""
        name = self._name(collection)
        self.dimension(name)
        table = self._table(name)
        with self._translate(f"optimize collection {name!r}"):
            indexed = {tuple(i.columns) for i in table.list_indices()}
            rows = table.count_rows()
            if ("vector",) not in indexed and rows >= self._ann_min_rows:
                partitions = max(1, int(math.sqrt(rows) / 4))
                config = IvfHnswSq(distance_type="cosine", num_partitions=partitions)
                table.create_index("vector", config=config)
            table.optimize()

    def has_ann_index(self, collection: str) -> bool:
        """Whether the collection's vector column has an ANN index yet."""
        table = self._table(self._name(collection))
        with self._translate("list indexes"):
            return any(tuple(i.columns) == ("vector",) for i in table.list_indices())

    # ----------------------------------------------------------------------------- reads
    def _search_vector(
        self, name: str, vector: tuple[float, ...], top_k: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        table = self._table(name)
        columns = [*_COLUMNS, "_distance"] + (["vector"] if vectors else [])
        with self._translate(f"search collection {name!r}"):
            query = table.search(list(vector), vector_column_name="vector").distance_type("cosine")
            query = query.limit(top_k).select(columns)
            query = query.nprobes(self._nprobes).ef(self._ef).refine_factor(self._refine)
            if flt is not None:
                query = query.where(compile_filter(flt), prefilter=True)
            rows = query.to_list()
        return [_raw_hit(row, float(row["_distance"])) for row in rows]

    def _search_text(
        self, name: str, terms: list[str], limit: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        table = self._table(name)
        columns = [*_COLUMNS, "_score"] + (["vector"] if vectors else [])
        with self._translate(f"search collection {name!r}"):
            query = table.search(" ".join(terms), query_type="fts", fts_columns="text")
            query = query.limit(limit).select(columns)
            if flt is not None:
                query = query.where(compile_filter(flt), prefilter=True)
            rows = query.to_list()
        return [_raw_hit(row, None) for row in rows]

    def _count(self, name: str, flt: Filter | None) -> int:
        table = self._table(name)
        with self._translate(f"count collection {name!r}"):
            count: int = table.count_rows(compile_filter(flt) if flt is not None else None)
        return count

    def _iter(self, name: str, batch_size: int) -> Iterator[VectorRecord]:
        table = self._table(name)
        with self._translate(f"read collection {name!r}"):
            batches = table.search().select([*_COLUMNS, "vector"]).limit(None)
            reader = batches.to_batches(batch_size)
            for batch in reader:
                for row in batch.to_pylist():
                    hit = _raw_hit(row, None)
                    yield VectorRecord(
                        hit.id, hit.document_id, hit.text, hit.vector or (), hit.metadata
                    )

    # ----------------------------------------------------------------------------- lifecycle
    def health(self) -> HealthStatus:
        """Healthy when the directory is usable and its tables can be listed."""
        started = time.perf_counter()
        try:
            if not os.access(self._path if self._path.exists() else self._path.parent, os.W_OK):
                raise VectorStoreUnavailable(f"LanceDB path {self._path} is not writable.")
            self._table_names()
        except VectorStoreUnavailable as exc:
            return HealthStatus(False, self.name, exc.message, _ms(started))
        return HealthStatus(True, self.name, str(self._path), _ms(started))

    def close(self) -> None:
        """Forget open tables; Lance holds no server connection."""
        with self._lock:
            self._tables.clear()
            self._db = None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _raw_hit(row: dict[str, Any], distance: float | None) -> RawHit:
    raw_meta = row.get("metadata")
    metadata: dict[str, MetadataValue] = json.loads(raw_meta) if raw_meta else {}
    vector: Sequence[float] | None = row.get("vector")
    return RawHit(
        id=row["id"],
        document_id=row["document_id"],
        text=row["text"],
        metadata=metadata,
        vector=tuple(float(v) for v in vector) if vector is not None else None,
        distance=distance,
    )


def from_settings(settings: VectorStoreSettings, data_dir: Path) -> LanceDBVectorStore:
    """Entry-point factory: ``VECTOR_STORE=lancedb``."""
    return LanceDBVectorStore(
        settings.yarrow_lancedb_path or data_dir / "lancedb",
        ann_min_rows=settings.yarrow_lancedb_ann_min_rows,
        nprobes=settings.yarrow_lancedb_nprobes,
        ef=settings.yarrow_lancedb_ef,
        refine_factor=settings.yarrow_lancedb_refine_factor,
    )


__all__ = ["LanceDBVectorStore", "from_settings"]
