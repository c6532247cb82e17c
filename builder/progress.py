"""A progress bar on a terminal, silence elsewhere (CI, pipes, --quiet)."""

from __future__ import annotations

import sys

from tqdm import tqdm


class Progress:
    def __init__(self, label: str, total: int, enabled: bool):
        self.bar = tqdm(total=total, desc=label, unit="page", disable=not enabled, file=sys.stderr, leave=False,
                        dynamic_ncols=True, mininterval=0.2)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
