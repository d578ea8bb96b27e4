"""What the console shell's first load transfers: index.html plus the JS and CSS it references.

Measured two ways in one run: the build files gzip-compressed here (level 9), and the bytes a
client actually downloads from ``mount_webui`` with ``Accept-Encoding: gzip`` (what `yarrow serve`
sends). The baseline is the same files uncompressed, so the ratios show what compression saves;
the budget (issue 8) is 500 KB compressed. Needs a build: ``cd web && npm run build``.
Run: ``.venv/bin/python benchmarks/web_size.py``.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from yarrow.api.webui import default_dist_dir, mount_webui

BUDGET = 500 * 1024
_REFS = re.compile(r"""(?:src|href)="(/assets/[^"]+\.(?:js|css))\"""")


def initial_files(dist: Path) -> list[str]:
    """URL paths the shell loads before it can render: index.html and what it references."""
    index = (dist / "index.html").read_text()
    return ["/", *sorted(set(_REFS.findall(index)))]


def main() -> int:
    dist = Path(sys.argv[1]) if len(sys.argv) > 1 else default_dist_dir()
    if not (dist / "index.html").is_file():
        print(f"no build in {dist}: run `npm run build` in web/ first", file=sys.stderr)
        return 1
    app = FastAPI()
    mount_webui(app, dist)
    client = TestClient(app)
    rows = []
    for path in initial_files(dist):
        file = dist / ("index.html" if path == "/" else path.lstrip("/"))
        raw = file.read_bytes()
        served = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert served.status_code == 200, path
        rows.append((path, len(raw), len(gzip.compress(raw, 9)), served.num_bytes_downloaded))
    print(f"{'file':48} {'raw':>10} {'gzip -9':>10} {'served':>10}")
    for path, raw_size, zipped, served_size in rows:
        print(f"{path:48} {raw_size:>10,} {zipped:>10,} {served_size:>10,}")
    raw_total = sum(r[1] for r in rows)
    zip_total = sum(r[2] for r in rows)
    served_total = sum(r[3] for r in rows)
    print(f"{'total':48} {raw_total:>10,} {zip_total:>10,} {served_total:>10,}")
    print(f"gzip / raw (baseline): x{zip_total / raw_total:.3f}")
    print(f"served / raw (baseline): x{served_total / raw_total:.3f}")
    print(f"served / budget {BUDGET:,} B: x{served_total / BUDGET:.3f}")
    return 0 if served_total < BUDGET else 2


if __name__ == "__main__":
    raise SystemExit(main())
