"""The README's read matrix is the one the types declare."""

from __future__ import annotations

from pathlib import Path

from schema.read_matrix import BEGIN, END, render
from schema.root import build_schema
from settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_the_declared_read_matrix() -> None:
    text = README.read_text(encoding="utf-8")
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    schema = build_schema(Settings(environment="test", secret_key="m" * 48))
    assert shown == render(schema), "run: python -m schema.read_matrix --write README.md"


def test_the_matrix_hides_what_the_issue_names() -> None:
    table = render(build_schema(Settings(environment="test", secret_key="m" * 48)))
    lines = {line.split(" | ")[1]: line for line in table.splitlines() if " | " in line}
    # columns: ADMIN, BACK_OFFICE, CUSTOMER_SERVICE, ENGINEER, CUSTOMER, AGENT
    assert lines["username, role, phone, email"].endswith("| yes | yes | yes | yes | own | own |")
    assert lines["costPrice, averagePurchasePrice"].endswith(
        "| yes | yes | yes | null | null | null |"
    )
