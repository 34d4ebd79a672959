"""The one table `make bench` ends with: each path, its figure, its floor measured in the same run, the ratio and
the goal (from issue 22 where it set one).

Each script calls `report(...)` for its headline figures: the line is printed at once and, when BENCH_TABLE names a
file (the Makefile sets it), kept there as a JSON line. `python -m bench.table FILE` prints the table.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Row:
    path: str
    figure: float
    floor: float
    unit: str  # "req/s" and "/s" are better higher; "ms" and "s" are better lower
    goal: float | None = None  # the ratio to reach: at least it for rates, at most it for times
    database: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.unit.endswith("/s")

    @property
    def ratio(self) -> float:
        return self.figure / self.floor if self.floor else float("inf")

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        met = self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal
        return "met" if met else "NOT met"

    def goal_text(self) -> str:
        if self.goal is None:
            return ""
        return f"{'≥' if self.higher_is_better else '≤'} {self.goal:g} ×"


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def report(path: str, figure: float, floor: float, unit: str, goal: float | None = None, database: str = "") -> Row:
    """Print one headline figure beside its floor, and keep it for the table."""
    row = Row(path, figure, floor, unit, goal, database)
    print(f"{path}: {_number(figure, unit)}, floor {_number(floor, unit)}, {row.ratio:.3f} × the floor"
          + (f" (goal {row.goal_text()}: {row.verdict})" if goal is not None else ""))
    target = os.environ.get("BENCH_TABLE")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
    return row


def render(rows: list[Row]) -> str:
    header = ("path", "database", "figure", "floor", "ratio", "goal", "")
    cells = [header] + [
        (row.path, row.database, _number(row.figure, row.unit), _number(row.floor, row.unit), f"{row.ratio:.3f} ×",
         row.goal_text(), row.verdict)
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as lines:
        rows = [Row(**json.loads(line)) for line in lines if line.strip()]
    print(render(rows))


if __name__ == "__main__":
    main(sys.argv[1])
