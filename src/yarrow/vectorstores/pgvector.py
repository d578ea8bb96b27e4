"""pgvector backend: PostgreSQL with the ``vector`` extension.

Each collection is a table ``embedding_<collection>`` (``id`` text primary key = segment id,
``document_id``, ``text``, ``meta`` jsonb, ``embedding vector(dim)``, and a generated ``tsv``
tsvector), with an HNSW cosine index (dimensions up to 2000; larger ones are searched exactly),
a GIN index on ``tsv`` and a b-tree on ``document_id``. A registry table
``yarrow_vector_collections`` records each collection's table and dimension.

Filtered vector searches raise ``hnsw.ef_search``; HNSW filters after its scan (pgvector before
0.8 has no iterative scan), so when a filtered search returns fewer than ``top_k`` rows it is
re-run as an exact scan (b-tree/bitmap on the filter, no HNSW): filters never lose matches.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from yarrow.errors import ConfigurationError
from yarrow.settings.vector_store import VectorStoreSettings
from yarrow.vectorstores.base import VectorStore
from yarrow.vectorstores.errors import CollectionNotFound, VectorStoreUnavailable
from yarrow.vectorstores.filters import Filter
from yarrow.vectorstores.pgvector_sql import (
    compile_filter,
    index_name,
    table_name,
    vector_literal,
    where,
)
from yarrow.vectorstores.types import Capabilities, HealthStatus, RawHit, VectorRecord

REGISTRY = "yarrow_vector_collections"
HNSW_MAX_DIMENSION = 2000
_COLUMNS = sql.SQL("id, document_id, text, meta")
_UPSERT_BATCH = 500
_SETUP_LOCK = 7_426_101  # advisory lock key for extension + registry creation


class PGVectorVectorStore(VectorStore):
    """Collections as PostgreSQL tables with pgvector HNSW and tsvector indexes."""

    name: ClassVar[str] = "pgvector"
    capabilities: ClassVar[Capabilities] = Capabilities(
        full_text=True, metadata_filter=True, ann_index=True, persistent=True, max_dimension=16000
    )

    def __init__(
        self,
        conninfo: str,
        *,
        min_connections: int = 1,
        max_connections: int = 5,
        connect_timeout: float = 5.0,
        statement_timeout: float = 30.0,
        ef_search: int = 100,
        filtered_ef_search: int = 400,
        hnsw_m: int = 16,
        hnsw_ef_construction: int = 64,
        text_search_config: str = "simple",
    ) -> None:
        """Connect lazily to ``conninfo`` (a libpq URI or key=value string).

        Args:
            connect_timeout: seconds to wait for a connection (pool checkout included).
            statement_timeout: seconds before PostgreSQL cancels a statement.
            ef_search: HNSW candidate list size for unfiltered searches.
            filtered_ef_search: the same for filtered searches (HNSW filters after scanning).
            text_search_config: PostgreSQL text-search configuration used for ``tsv``.
        """
        if not text_search_config.replace("_", "").isalnum():
            raise ValueError("text_search_config must be a plain identifier")
        self._conninfo = conninfo
        self._min = min_connections
        self._max = max(max_connections, min_connections)
        self._connect_timeout = connect_timeout
        self._statement_ms = int(statement_timeout * 1000)
        self._ef = ef_search
        self._filtered_ef = max(filtered_ef_search, ef_search)
        self._m = hnsw_m
        self._efc = hnsw_ef_construction
        self._ts_config = text_search_config
        self._lock = threading.Lock()
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] | None = None
        self._dims: dict[str, tuple[str, int]] = {}

    # ----------------------------------------------------------------------------- plumbing
    def _kwargs(self) -> dict[str, Any]:
        return {
            "connect_timeout": max(1, int(self._connect_timeout)),
            "options": f"-c statement_timeout={self._statement_ms}",
        }

    def _get_pool(self) -> ConnectionPool[psycopg.Connection[tuple[Any, ...]]]:
        with self._lock:
            if self._pool is None:
                pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
                    self._conninfo,
                    min_size=self._min,
                    max_size=self._max,
                    kwargs=self._kwargs(),
                    timeout=self._connect_timeout,
                    check=ConnectionPool.check_connection,
                    open=False,
                    name="yarrow-pgvector",
                )
                pool.open(wait=False)
                self._pool = pool
                try:
                    self._setup()
                except BaseException:
                    self._pool = None
                    pool.close()
                    raise
            return self._pool

    @contextmanager
    def _cursor(self, action: str) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        """A cursor inside one transaction; vendor errors become typed errors."""
        pool = self._pool or self._get_pool()
        try:
            with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.errors.UndefinedTable as exc:
            self._dims.clear()
            raise CollectionNotFound(
                f"Vector collection vanished while trying to {action}."
            ) from exc
        except (psycopg.Error, PoolTimeout) as exc:
            raise VectorStoreUnavailable(f"pgvector failed to {action}: {exc}") from exc

    def _setup(self) -> None:
        with self._cursor("set up the vector extension") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
            cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
            cur.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, "
                    "table_name text NOT NULL UNIQUE, dimension integer NOT NULL, "
                    "created_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(REGISTRY))
            )

    def _table(self, name: str) -> sql.Identifier:
        entry = self._dims.get(name)
        if entry is None:
            self._dimension(name)
            entry = self._dims.get(name)
            if entry is None:
                raise CollectionNotFound(f"Vector collection {name!r} does not exist.")
        return sql.Identifier(entry[0])

    # ----------------------------------------------------------------------------- collections
    def _dimension(self, name: str) -> int | None:
        cached = self._dims.get(name)
        if cached is not None:
            return cached[1]
        with self._cursor(f"read collection {name!r}") as cur:
            cur.execute(
                sql.SQL("SELECT table_name, dimension FROM {} WHERE name = %s").format(
                    sql.Identifier(REGISTRY)
                ),
                (name,),
            )
            row = cur.fetchone()
        if row is None:
            return None
        self._dims[name] = (str(row[0]), int(row[1]))
        return int(row[1])

    def _create(self, name: str, dimension: int) -> None:
        table = table_name(name)
        ident = sql.Identifier(table)
        config = sql.Literal(self._ts_config)
        with self._cursor(f"create collection {name!r}") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (table,))
            cur.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {t} (id text PRIMARY KEY, "
                    "document_id text NOT NULL, text text NOT NULL, "
                    "meta jsonb NOT NULL DEFAULT '{{}}'::jsonb, embedding vector({d}) NOT NULL, "
                    "tsv tsvector GENERATED ALWAYS AS (to_tsvector({c}::regconfig, text)) STORED)"
                ).format(t=ident, d=sql.Literal(dimension), c=config)
            )
            cur.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (document_id)").format(
                    sql.Identifier(index_name(table, "doc")), ident
                )
            )
            cur.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (tsv)").format(
                    sql.Identifier(index_name(table, "tsv")), ident
                )
            )
            if dimension <= HNSW_MAX_DIMENSION:
                cur.execute(
                    sql.SQL(
                        "CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw "
                        "(embedding vector_cosine_ops) WITH (m = {}, ef_construction = {})"
                    ).format(
                        sql.Identifier(index_name(table, "hnsw")),
                        ident,
                        sql.Literal(self._m),
                        sql.Literal(self._efc),
                    )
                )
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (name, table_name, dimension) VALUES (%s, %s, %s) "
                    "ON CONFLICT (name) DO NOTHING"
                ).format(sql.Identifier(REGISTRY)),
                (name, table, dimension),
            )
        self._dims.pop(name, None)

    def _list(self) -> list[str]:
        with self._cursor("list collections") as cur:
            cur.execute(sql.SQL("SELECT name FROM {}").format(sql.Identifier(REGISTRY)))
            return [str(row[0]) for row in cur.fetchall()]

    def _drop(self, name: str) -> None:
        self._dims.pop(name, None)
        with self._cursor(f"drop collection {name!r}") as cur:
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE name = %s RETURNING table_name").format(
                    sql.Identifier(REGISTRY)
                ),
                (name,),
            )
            row = cur.fetchone()
            table = str(row[0]) if row else table_name(name)
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))

    # ----------------------------------------------------------------------------- writes
    def _upsert(self, name: str, records: list[VectorRecord]) -> None:
        statement = sql.SQL(
            "INSERT INTO {} (id, document_id, text, meta, embedding) "
            "VALUES (%s, %s, %s, %s, %s::vector) ON CONFLICT (id) DO UPDATE SET "
            "document_id = EXCLUDED.document_id, text = EXCLUDED.text, meta = EXCLUDED.meta, "
            "embedding = EXCLUDED.embedding"
        ).format(self._table(name))
        rows = [
            (r.id, r.document_id, r.text, Jsonb(dict(r.metadata)), vector_literal(r.vector))
            for r in records
        ]
        with self._cursor(f"write to collection {name!r}") as cur:
            for start in range(0, len(rows), _UPSERT_BATCH):
                cur.executemany(statement, rows[start : start + _UPSERT_BATCH])

    def _delete_ids(self, name: str, ids: list[str]) -> None:
        self._delete(name, "id", ids)

    def _delete_documents(self, name: str, document_ids: list[str]) -> None:
        self._delete(name, "document_id", document_ids)

    def _delete(self, name: str, column: str, values: list[str]) -> None:
        statement = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s::text[])").format(
            self._table(name), sql.Identifier(column)
        )
        with self._cursor(f"remove records of collection {name!r}") as cur:
            cur.execute(statement, (values,))

    def optimize(self, collection: str) -> None:
        """Refresh planner statistics (the HNSW index is maintained on every write)."""
        name = self._name(collection)
        table = self._table(name)
        with self._cursor(f"analyze collection {name!r}") as cur:
            cur.execute(sql.SQL("ANALYZE {}").format(table))

    # ----------------------------------------------------------------------------- reads
    def _select(self, vectors: bool) -> sql.Composable:
        if vectors:
            return sql.SQL("{}, embedding::text").format(_COLUMNS)
        return sql.SQL("{}, NULL").format(_COLUMNS)

    def _search_vector(
        self, name: str, vector: tuple[float, ...], top_k: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        literal = vector_literal(vector)
        params: list[Any] = [literal]
        clause = where(flt, params)
        params.extend([literal, top_k])
        statement = sql.SQL(
            "SELECT {cols}, embedding <=> %s::vector AS distance FROM {t}{w} "
            "ORDER BY embedding <=> %s::vector LIMIT %s"
        ).format(cols=self._select(vectors), t=self._table(name), w=clause)
        ef = max(self._filtered_ef if flt is not None else self._ef, top_k)
        with self._cursor(f"search collection {name!r}") as cur:
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef),))
            cur.execute(statement, params)
            rows = cur.fetchall()
            if flt is not None and len(rows) < top_k:
                # HNSW filtered its candidates down to too few: answer exactly instead.
                cur.execute("SELECT set_config('enable_indexscan', 'off', true)")
                cur.execute(statement, params)
                rows = cur.fetchall()
        return [_raw_hit(row, float(row[5])) for row in rows]

    def _search_text(
        self, name: str, terms: list[str], limit: int, flt: Filter | None, vectors: bool
    ) -> list[RawHit]:
        # terms are runs of letters/digits (see scoring.terms): no tsquery operators or quotes.
        tsquery = " | ".join(f"'{term}'" for term in terms)
        params: list[Any] = [self._ts_config, tsquery]
        extra: list[Any] = []
        clause: sql.Composable = sql.SQL("")
        if flt is not None:
            clause = sql.SQL(" AND ({})").format(compile_filter(flt, extra))
        statement = sql.SQL(
            "SELECT {cols}, ts_rank_cd(tsv, q) AS rank FROM {t}, "
            "to_tsquery(%s::regconfig, %s) AS q WHERE tsv @@ q{f} "
            "ORDER BY rank DESC, id LIMIT %s"
        ).format(cols=self._select(vectors), t=self._table(name), f=clause)
        with self._cursor(f"search collection {name!r}") as cur:
            cur.execute(statement, [*params, *extra, limit])
            rows = cur.fetchall()
        return [_raw_hit(row, None) for row in rows]

    def _count(self, name: str, flt: Filter | None) -> int:
        params: list[Any] = []
        statement = sql.SQL("SELECT count(*) FROM {}{}").format(
            self._table(name), where(flt, params)
        )
        with self._cursor(f"count collection {name!r}") as cur:
            cur.execute(statement, params)
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def _iter(self, name: str, batch_size: int) -> Iterator[VectorRecord]:
        statement = sql.SQL("SELECT {cols} FROM {t} WHERE id > %s ORDER BY id LIMIT %s").format(
            cols=self._select(True), t=self._table(name)
        )
        last = ""
        while True:
            with self._cursor(f"read collection {name!r}") as cur:
                cur.execute(statement, (last, batch_size))
                rows = cur.fetchall()
            for row in rows:
                hit = _raw_hit(row, None)
                yield VectorRecord(
                    hit.id, hit.document_id, hit.text, hit.vector or (), hit.metadata
                )
            if len(rows) < batch_size:
                return
            last = str(rows[-1][0])

    # ----------------------------------------------------------------------------- lifecycle
    def health(self) -> HealthStatus:
        """Healthy when a fresh connection answers and the ``vector`` extension is installed."""
        started = time.perf_counter()
        try:
            with psycopg.connect(self._conninfo, **self._kwargs()) as conn:
                row = conn.execute(
                    "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                ).fetchone()
        except psycopg.Error as exc:
            return HealthStatus(False, self.name, f"cannot connect: {exc}", _ms(started))
        if row is None:
            return HealthStatus(
                False, self.name, "extension 'vector' is not installed", _ms(started)
            )
        return HealthStatus(True, self.name, f"pgvector {row[0]}", _ms(started))

    def close(self) -> None:
        """Close the connection pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _raw_hit(row: tuple[Any, ...], distance: float | None) -> RawHit:
    vector = tuple(float(v) for v in json.loads(row[4])) if row[4] is not None else None
    return RawHit(
        id=str(row[0]),
        document_id=str(row[1]),
        text=str(row[2]),
        metadata=dict(row[3] or {}),
        vector=vector,
        distance=distance,
    )


def from_settings(settings: VectorStoreSettings, data_dir: Path) -> PGVectorVectorStore:
    """Entry-point factory: ``VECTOR_STORE=pgvector`` from the ``PGVECTOR_*`` settings."""
    if not settings.pgvector_host:
        raise ConfigurationError("VECTOR_STORE=pgvector needs PGVECTOR_HOST.")
    conninfo = make_conninfo(
        "",
        host=settings.pgvector_host,
        port=settings.pgvector_port,
        user=settings.pgvector_user or None,
        password=settings.pgvector_password.get_secret_value() or None,
        dbname=settings.pgvector_database or None,
    )
    return PGVectorVectorStore(
        conninfo,
        min_connections=settings.pgvector_min_connection,
        max_connections=settings.pgvector_max_connection,
        connect_timeout=settings.yarrow_vector_store_timeout,
        ef_search=settings.yarrow_pgvector_ef_search,
        text_search_config=settings.yarrow_pgvector_text_search_config,
    )


__all__ = ["PGVectorVectorStore", "from_settings"]
