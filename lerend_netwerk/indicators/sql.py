"""The portable SQL pieces every indicator query is made of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, literal_column

ONE = literal_column("1")
ZERO = literal_column("0")


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT(CASE WHEN condition THEN 1 END): portable conditional counting."""
    return func.count(case((condition, ONE)))


def count_distinct_if(condition: ColumnElement[bool], column: Any) -> ColumnElement[int]:
    """COUNT(DISTINCT CASE WHEN condition THEN column END); NULLs are not counted."""
    return func.count(distinct(case((condition, column))))


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """CASE WHEN condition THEN 1 ELSE 0 END."""
    return case((condition, ONE), else_=ZERO)
