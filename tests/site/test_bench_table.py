"""`make bench` ends with one table: each figure beside its floor, the ratio, and whether the goal is met, read the
right way round for rates (higher is better) and for times (lower is better)."""
import json

from bench.table import Row, main, report


def test_a_rate_meets_its_goal_from_above_and_a_time_from_below():
    assert Row("QR page", 600, 1000, "req/s", goal=0.6).verdict == "met"
    assert Row("QR page", 599, 1000, "req/s", goal=0.6).verdict == "NOT met"
    assert Row("import", 5.0, 1.0, "s", goal=5).verdict == "met"
    assert Row("import", 5.1, 1.0, "s", goal=5).verdict == "NOT met"
    assert Row("claim", 3.0, 1.0, "ms", goal=5).goal_text() == "≤ 5 ×"
    assert Row("checkout", 3.0, 10.0, "/s", goal=0.3).goal_text() == "≥ 0.3 ×"
    assert Row("no goal", 1.0, 2.0, "s").verdict == ""


def test_each_report_is_printed_kept_and_tabled_in_order(tmp_path, monkeypatch, capsys):
    kept = tmp_path / "table.jsonl"
    monkeypatch.setenv("BENCH_TABLE", str(kept))
    report("QR page /p/<code>", 1200.0, 4000.0, "req/s", goal=0.6, database="postgresql")
    report("3,000-row plot import", 0.4, 0.1, "s", goal=5, database="postgresql")
    printed = capsys.readouterr().out
    assert "QR page /p/<code>: 1,200 req/s, floor 4,000 req/s, 0.300 × the floor (goal ≥ 0.6 ×: NOT met)" in printed
    assert "3,000-row plot import: 0.40 s, floor 0.10 s, 4.000 × the floor (goal ≤ 5 ×: met)" in printed
    assert [json.loads(line)["path"] for line in kept.read_text().splitlines()] == [
        "QR page /p/<code>", "3,000-row plot import"]

    main(str(kept))
    table = capsys.readouterr().out.splitlines()
    assert [line.split("|")[1].strip() for line in table[2:]] == ["QR page /p/<code>", "3,000-row plot import"]
    assert "0.300 ×" in table[2] and "NOT met" in table[2]
    assert "4.000 ×" in table[3] and table[3].rstrip(" |").endswith("met") and "NOT" not in table[3]
    assert len({len(line) for line in table}) == 1  # the columns line up
