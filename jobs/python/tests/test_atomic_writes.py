"""Write-then-rename on a volume that many pods share. Every pod's process is pid 1, so a
temporary named by pid alone would be the same file for two pods writing the same result."""

import json
import threading
from pathlib import Path

from mammoflow_jobs.contract import temporary_beside, write_json_atomic


def test_two_temporaries_for_one_file_have_different_names_in_the_same_process(tmp_path: Path):
    target = tmp_path / "result.json"
    names = {temporary_beside(target) for _ in range(64)}
    assert len(names) == 64
    assert all(name.parent == tmp_path and name.name.startswith("result.json.tmp-") for name in names)


def test_concurrent_writers_of_one_file_leave_one_whole_file_and_no_temporary(tmp_path: Path):
    target = tmp_path / "result.json"
    values = [{"writer": i, "rows": "x" * 50_000} for i in range(8)]
    threads = [threading.Thread(target=write_json_atomic, args=(target, value)) for value in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert json.loads(target.read_text("utf-8")) in values
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
