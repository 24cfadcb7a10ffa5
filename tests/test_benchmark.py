import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_prints_table_and_json_last_line(real_root, tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "scripts.benchmark", "--batches", "4",
                             "--repeats", "1", "--device", "cpu", "--out", str(out)],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    record = json.loads(lines[-1])
    for key in ("device", "dataloader_img_s", "fast_img_s", "floor_img_s", "eval_img_s"):
        assert record[key], key
    assert record["device"] == "cpu" and json.loads(out.read_text()) == record
    assert any("fast tensor path" in line for line in lines)
