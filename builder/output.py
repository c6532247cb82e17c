"""Write a site into a fresh folder, then swap it in: a failed build changes nothing.

The folder is made beside the target (same file system), so the swap is a
rename. On Linux the two folders are exchanged atomically (renameat2); on
other systems the old folder is moved aside first and restored on failure.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputFolder:
    """A temporary folder that becomes `target` on publish(), or vanishes on discard()."""

    def __init__(self, target: Path):
        self.target = target.resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.building-", dir=self.target.parent))
        os.chmod(self.folder, 0o755)
        self.hashes: dict[str, str] = {}  # relative path -> sha256 of its bytes
        self._folders: set[str] = set()  # made by link()

    def write(self, relative: str, data: bytes | str) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.hashes[relative] = write_file(str(self.folder), relative, payload)

    def link(self, relative: str, source: Path, digest: str) -> None:
        """Put the file `source` (whose sha256 is `digest`) at `relative`: a hard link where possible, else a copy."""
        target = os.path.join(self.folder, relative)
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(source, target)
            os.chmod(target, 0o644)
        self.hashes[relative] = digest

    def exists(self, relative: str) -> bool:
        return relative in self.hashes

    def publish(self, remove_old_in_background: bool = False) -> None:
        """Swap the new site in; the previous one is removed, or left to a background `rm`."""
        if self.target.exists() and _exchange(self.folder, self.target):
            _remove(self.folder, remove_old_in_background)  # it now holds the previous site
            return
        aside = None
        if self.target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-", dir=self.target.parent))
            aside.rmdir()
            os.rename(self.target, aside)
        try:
            os.rename(self.folder, self.target)
        except OSError:
            if aside is not None:
                os.rename(aside, self.target)
            raise
        if aside is not None:
            _remove(aside, remove_old_in_background)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove(folder: Path, in_background: bool) -> None:
    """Deleting thousands of files takes seconds on slow disks; nothing waits for it to finish."""
    if in_background and shutil.which("rm"):
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def write_file(folder: str, relative: str, payload: bytes) -> str:
    """Write one file under `folder`, making its folders; return the sha256 of its bytes."""
    path = os.path.join(folder, relative)
    try:
        stream = open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        stream = open(path, "wb")
    with stream:
        stream.write(payload)
    return hashlib.sha256(payload).hexdigest()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step where the kernel offers it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    return result == 0
