"""Writing outputs so that a killed run never leaves half a file.

Every file is written to a temporary file in the same folder and renamed into place
(``os.replace`` is atomic on one file system): a reader sees the old file or the new
one, never a mix. A folder of outputs is built in a temporary sibling folder and renamed
into place as a whole; an existing folder is swapped with it in one atomic step where
the system can (Linux ``renameat2``), so a killed run leaves the old folder or the new
one, never none. An existing output folder is only replaced with ``force``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from composer.errors import OutputExistsError, OutputPathError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are shared files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


_RENAME_EXCHANGE = 2  # linux/fs.h


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``); False when the system or file system cannot, nothing changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(
        at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def check_writable(target: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output that cannot be written: a file where a folder
    on its path should be, or a folder composer may not create files in.

    Outputs are written to a temporary file or folder beside ``target``, so the nearest
    existing folder above it must take a new file; that is tried (and the probe removed),
    as permissions alone do not say it (a read-only mount, ``/proc``, running as root).
    """
    target = Path(target)
    folder = target.absolute().parent
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputPathError(
            f"cannot write {option} {target}: {folder} is a file, not a folder; "
            f"choose another {option}"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".composer-probe.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputPathError(
            f"cannot write {option} {target}: no new file can be made in {folder} "
            f"({exc.strerror or exc}); choose a folder you may write in"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse an existing, non-empty output folder unless ``force``, and an output folder
    that cannot be written (:func:`check_writable`), before any work."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(
            f"output folder {out} already exists and is not empty; "
            "use --force to replace its contents or choose another --out"
        )
    check_writable(out)


def refuse_overwriting_inputs(out: Path, *inputs: Path | None) -> None:
    """Refuse an output folder that is, or holds, one of ``inputs`` (an instance folder or
    file, a plan, a change file): replacing the folder as a whole (``--force``) would
    replace the planner's input with the outputs."""
    dest = Path(out).resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given).resolve()
        if source == dest or dest in source.parents:
            raise OutputExistsError(
                f"--out {out} is, or holds, the input {given}: writing there would "
                "replace the input; choose another --out"
            )


@contextlib.contextmanager
def staged_dir(out: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` as a whole.

    On any exception (including KeyboardInterrupt) the temporary folder is removed and
    ``out`` is left as it was.
    """
    out = Path(out)
    check_output_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if out.exists() and exchange_paths(tmp, out):
            # one atomic step: ``out`` is the old folder or the new one, never missing
            shutil.rmtree(tmp, ignore_errors=True)
        elif out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
