"""Write a site into a fresh folder, then swap it in: a failed build changes nothing.

The folder is made beside the target (same file system), so the swap is a
rename. On Linux the two folders are exchanged atomically (renameat2); on
other systems the old folder is moved aside first and restored on failure.

Given the previous site's manifest, a file whose inputs are unchanged is
carried over: hard-linked from the published site into the new folder, so
the previous site stays whole until the swap. The new manifest is written
into the folder last, and published with it.
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
from typing import Mapping

from .manifest import MANIFEST_FILE, Entry, Manifest

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputFolder:
    """A temporary folder that becomes `target` on publish(), or vanishes on discard()."""

    def __init__(self, target: Path, previous: Manifest | None = None, *, manifest: bool = False):
        self.target = target.resolve()
        self.with_manifest = manifest  # publish a manifest of the files, for the next build to carry them over
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.building-", dir=self.target.parent))
        os.chmod(self.folder, 0o755)
        self.previous = previous or Manifest()  # of the site at `target`: what may be carried over
        self.hashes: dict[str, str] = {}  # relative path -> sha256 of its bytes
        self.inputs: dict[str, str] = {}  # relative path -> hash of its inputs, where not its bytes
        self.carried: set[str] = set()  # files kept from the previous site, not made again
        self._folders: set[str] = set()  # made by link()
        self.manifest_text = ""  # as published

    def write(self, relative: str, data: bytes | str) -> None:
        """Write a file whose content is its own input; the previous site's identical file is kept instead."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        digest = hashlib.sha256(payload).hexdigest()
        if self._keep_same(relative, digest):
            return
        if relative in self.hashes:  # never write through a link into a file of the published site
            os.unlink(os.path.join(self.folder, relative))
        write_file(str(self.folder), relative, payload)
        self.placed(relative, digest, digest, carried=False)

    def carry(self, relative: str, inputs: str) -> bool:
        """Keep the previous site's file at `relative` if it was made from the same `inputs`; True if kept."""
        old = carry_unchanged(self.previous.files, str(self.target), str(self.folder), relative, inputs)
        if old is None:
            return False
        self.placed(relative, inputs, old.digest, carried=True)
        return True

    def _keep_same(self, relative: str, digest: str) -> bool:
        """Carry over the previous site's file at `relative` if it holds the same bytes."""
        old = self.previous.files.get(relative)
        return old is not None and old.digest == digest and self.carry(relative, old.inputs)

    def placed(self, relative: str, inputs: str, digest: str, carried: bool) -> None:
        """Record a file put into the folder (here or by a worker process)."""
        self.hashes[relative] = digest
        if inputs != digest:
            self.inputs[relative] = inputs
        if carried:
            self.carried.add(relative)

    def link(self, relative: str, source: Path, digest: str) -> None:
        """Put the file `source` (whose sha256 is `digest`) at `relative`: a hard link where possible, else a copy."""
        if self._keep_same(relative, digest):
            return
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
        self.placed(relative, digest, digest, carried=False)

    def manifest(self) -> Manifest:
        return Manifest({path: Entry(self.inputs.get(path, digest), digest) for path, digest in sorted(self.hashes.items())})

    def exists(self, relative: str) -> bool:
        return relative in self.hashes

    def publish(self, remove_old_in_background: bool = False) -> None:
        """Write the manifest (if kept) and swap the new folder in; the old one is removed, or left to a background `rm`."""
        if self.with_manifest:
            self.manifest_text = self.manifest().text()
            write_file(str(self.folder), MANIFEST_FILE, self.manifest_text.encode("utf-8"))
        if self.target.exists() and _exchange(self.folder, self.target):
            # The building folder now holds the previous site: named as such while it is being removed.
            aside = self._aside()
            os.rename(self.folder, aside)
            _remove(aside, remove_old_in_background)
            return
        aside = None
        if self.target.exists():
            aside = self._aside()
            os.rename(self.target, aside)
        try:
            os.rename(self.folder, self.target)
        except OSError:
            if aside is not None:
                os.rename(aside, self.target)
            raise
        if aside is not None:
            _remove(aside, remove_old_in_background)

    def _aside(self) -> Path:
        """A free name beside the target for the previous site, until it is removed."""
        aside = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-", dir=self.target.parent))
        aside.rmdir()
        return aside

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove(folder: Path, in_background: bool) -> None:
    """Deleting thousands of files takes seconds on slow disks; nothing waits for it to finish."""
    if in_background and shutil.which("rm"):
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def carry_unchanged(previous: Mapping[str, Entry], old_root: str, new_root: str, relative: str,
                    inputs: str) -> Entry | None:
    """Hard-link `relative` from the old folder into the new one if `previous` lists it made from `inputs`.

    Its entry in `previous` if carried, else None. A plain function, so that worker processes can call it.
    """
    old = previous.get(relative)
    if old is None or old.inputs != inputs or not carry_file(old_root, new_root, relative):
        return None
    return old


def carry_file(old_root: str, new_root: str, relative: str) -> bool:
    """Hard-link `relative` from the old folder into the new one; False if it cannot (file gone, no links)."""
    source, target = os.path.join(old_root, relative), os.path.join(new_root, relative)
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:  # most often: the new folder has no parent folder for it yet
        pass
    except OSError:
        return False
    try:
        make_folder(os.path.dirname(target))
        os.link(source, target)
    except OSError:
        return False
    return True


def make_folder(folder: str) -> None:
    """Make `folder` and any missing parents; one system call where only the folder itself is missing.

    os.makedirs checks every parent first, which costs more than the link it prepares when a site has thousands
    of page folders."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def write_file(folder: str, relative: str, payload: bytes) -> str:
    """Write one file under `folder`, making its folders; return the sha256 of its bytes."""
    path = os.path.join(folder, relative)
    try:
        stream = open(path, "wb")
    except FileNotFoundError:
        make_folder(os.path.dirname(path))
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
