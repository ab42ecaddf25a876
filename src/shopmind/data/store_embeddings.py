"""The store's shared sentence vectors: one row per (encoder, text hash), written once by whichever
process encodes the text first and read by every other replica and worker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.sql import chunks


class EmbeddingQueries:
    """Reads and writes of the ``embeddings`` table (a part of :class:`Store`)."""

    engine: Engine

    def embeddings(self, encoder: str, text_hashes: Iterable[str]) -> dict[str, bytes]:
        """The stored vectors (float32 bytes) of ``encoder`` for those of ``text_hashes`` it has."""
        e = T.embeddings
        out: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for part in chunks(text_hashes):
                stmt = sa.select(e.c.text_hash, e.c.vector).where(
                    e.c.encoder == encoder, e.c.text_hash.in_(part)
                )
                out.update({h: bytes(v) for h, v in conn.execute(stmt)})
        return out

    def add_embeddings(self, encoder: str, dim: int, vectors: Mapping[str, bytes]) -> int:
        """Store ``vectors`` (text hash -> float32 bytes) of ``encoder``; a hash already stored keeps its
        first vector (two processes that encoded the same text at once wrote the same one). Returns
        the rows offered."""
        if not vectors:
            return 0
        now = datetime.now(UTC)
        rows = [
            {"encoder": encoder, "text_hash": h, "dim": dim, "vector": v, "created_at": now}
            for h, v in vectors.items()
        ]
        insert = _insert_ignoring_duplicates(self.engine.dialect.name)
        with self.engine.begin() as conn:
            for i in range(0, len(rows), 500):
                conn.execute(insert, rows[i : i + 500])
        return len(rows)

    def embedding_count(self, encoder: str | None = None) -> int:
        """Stored vectors (of one encoder, or of all)."""
        e = T.embeddings
        stmt = sa.select(sa.func.count()).select_from(e)
        if encoder is not None:
            stmt = stmt.where(e.c.encoder == encoder)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def delete_embeddings(self, encoder: str) -> int:
        """Forget every stored vector of ``encoder`` (after its model changed); returns how many."""
        e = T.embeddings
        with self.engine.begin() as conn:
            return int(conn.execute(sa.delete(e).where(e.c.encoder == encoder)).rowcount or 0)


def _insert_ignoring_duplicates(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - ShopMind runs on SQLite and PostgreSQL
        raise ValueError(f"shared embeddings need SQLite or PostgreSQL, not {dialect}")
    return insert(T.embeddings).on_conflict_do_nothing(index_elements=["encoder", "text_hash"])
