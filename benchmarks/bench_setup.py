"""Django for a benchmark script run as `python benchmarks/NAME.py`: the project on sys.path,
its settings, and — unless DATABASE_URL names one (PostgreSQL, say) — a fresh SQLite database
var/bench/<name>.sqlite3, leftovers of an earlier run removed."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(name: str) -> Path:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if "DATABASE_URL" not in os.environ:
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for leftover in bench_dir.glob(f"{name}.sqlite3*"):
            leftover.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / f'{name}.sqlite3'}"
    import django

    django.setup()
    return ROOT
