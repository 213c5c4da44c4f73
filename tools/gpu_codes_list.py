"""The cached codes worth bringing back from a GPU run, within a size limit.

Prints ``<folder>/<file>`` lines (codes.npy, codes.json, key.json of each training)
for ``tar -T``: MNIST-test trainings first, then the Table 1 autoencoders on
MNIST-full, then the rest, until the limit in bytes is reached.

    python tools/gpu_codes_list.py CACHE_DIR MAX_BYTES
"""

import json
import sys
from pathlib import Path

FILES = ("codes.npy", "codes.json", "key.json")


def main() -> int:
    root, limit = Path(sys.argv[1]), float(sys.argv[2])
    folders = [f for f in root.iterdir() if all((f / n).exists() for n in FILES)] if root.exists() else []

    def rank(folder):
        key = json.loads((folder / "key.json").read_text())
        return key["n_samples"] > 10_000, key["autoencoder"] not in ("cae", "proposed"), folder.name

    total = 0
    for folder in sorted(folders, key=rank):
        size = sum((folder / n).stat().st_size for n in FILES)
        if total + size > limit:
            break
        total += size
        for n in FILES:
            print(f"{folder.name}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
