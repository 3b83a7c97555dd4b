"""All SQL of contact searches and counts: rows of `reports` (kinds contact_search and
contact_counts) and the `search_results` a search found."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, literal, select, update

from mailroom.db.tables import reports, search_results


def insert_report(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(reports).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_report(conn: Connection, account_id: int, report_id: int, kind: str) -> Any:
    return conn.execute(
        select(reports).where(
            reports.c.id == report_id, reports.c.account_id == account_id, reports.c.kind == kind
        )
    ).first()


def get_report_by_id(conn: Connection, report_id: int, kind: str) -> Any:
    """A report by id alone, for its job."""
    return conn.execute(
        select(reports).where(reports.c.id == report_id, reports.c.kind == kind)
    ).first()


def _filtered(account_id: int, kind: str, list_id: int | None) -> list[Any]:
    where = [reports.c.account_id == account_id, reports.c.kind == kind]
    if list_id is not None:
        where.append(reports.c.list_id == list_id)
    return where


def find_reports(
    conn: Connection,
    account_id: int,
    kind: str,
    list_id: int | None,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[Any], int]:
    where = _filtered(account_id, kind, list_id)
    column = reports.c[sort]
    stmt = (
        select(reports)
        .where(*where)
        .order_by(column.desc() if descending else column.asc(), reports.c.id.asc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    total = conn.execute(select(func.count()).select_from(reports).where(*where)).scalar_one()
    return list(conn.execute(stmt).all()), int(total)


def update_report(conn: Connection, report_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(reports).where(reports.c.id == report_id).values(**values))


def delete_report(conn: Connection, report_id: int) -> None:
    conn.execute(delete(search_results).where(search_results.c.report_id == report_id))
    conn.execute(delete(reports).where(reports.c.id == report_id))


def store_results(conn: Connection, report_id: int, ids: Select[tuple[int]]) -> int:
    """Replace a search's matches by the ids `ids` selects, inside the database; their count."""
    conn.execute(delete(search_results).where(search_results.c.report_id == report_id))
    source = ids.with_only_columns(literal(report_id), *ids.selected_columns)
    conn.execute(insert(search_results).from_select(["report_id", "contact_id"], source))
    # Counted, not taken from rowcount: drivers differ on it for INSERT ... SELECT.
    counted = select(func.count()).where(search_results.c.report_id == report_id)
    return int(conn.execute(counted).scalar_one())


def result_ids(report_id: int) -> Select[tuple[int]]:
    """The ids a search found, as a subquery for contact reads."""
    return select(search_results.c.contact_id).where(search_results.c.report_id == report_id)
