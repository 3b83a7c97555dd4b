"""All SQL of the segments domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from mailroom.db.tables import segments
from mailroom.segments.schemas import SegmentQuery


def insert_segment(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(segments).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_segment(conn: Connection, account_id: int, segment_id: int) -> Any:
    return conn.execute(
        select(segments).where(segments.c.id == segment_id, segments.c.account_id == account_id)
    ).first()


def _filtered(account_id: int, query: SegmentQuery) -> list[Any]:
    where = [segments.c.account_id == account_id]
    if query.list_id is not None:
        where.append(segments.c.list_id == query.list_id)
    return where


def find_segments(conn: Connection, account_id: int, query: SegmentQuery) -> list[Any]:
    column = segments.c[query.sort]
    stmt = (
        select(segments)
        .where(*_filtered(account_id, query))
        .order_by(column.desc() if query.descending else column.asc(), segments.c.id.asc())
        .offset(query.offset)
    )
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return list(conn.execute(stmt).all())


def count_segments(conn: Connection, account_id: int, query: SegmentQuery) -> int:
    stmt = select(func.count()).select_from(segments).where(*_filtered(account_id, query))
    return int(conn.execute(stmt).scalar_one())


def criteria_of_list(conn: Connection, list_id: int) -> list[Any]:
    """(id, name, criteria) of every segment of a list, to find which nest a given one."""
    return list(
        conn.execute(
            select(segments.c.id, segments.c.name, segments.c.criteria).where(
                segments.c.list_id == list_id
            )
        ).all()
    )


def update_segment(conn: Connection, segment_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(segments).where(segments.c.id == segment_id).values(**values))


def delete_segment(conn: Connection, segment_id: int) -> None:
    conn.execute(delete(segments).where(segments.c.id == segment_id))
