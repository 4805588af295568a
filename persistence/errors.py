"""What the database refuses, by the names the layers above catch (they import no
SQLAlchemy): a compare-and-swap UPDATE that matched no row, a unique key taken."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError as DuplicateKey
from sqlalchemy.orm.exc import StaleDataError as ChangedMeanwhile

__all__ = ["ChangedMeanwhile", "DuplicateKey"]
