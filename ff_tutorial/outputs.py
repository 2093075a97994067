"""The files a run writes: checked before the work, written whole or not at all, never lost at the end.

A training run can take an hour; finding out after it that `--save` names a read-only folder
loses the hour. So every output path is checked before training (`check_writable`), each file
is written beside its final name and renamed into place (`write_atomically`: a crash leaves
the old file or none, never half of one), and when writing still fails at the end (a full disk,
a folder removed meanwhile) the file goes to a fallback folder that the caller names to the
reader (`write_or_rescue`). A file that records a result is `new`: a path that exists is refused
before the work, and at the end it is never replaced (a number quoted from a file must not change
under the text that quotes it).
"""

from __future__ import annotations

import errno
import os
import tempfile
import time
from pathlib import Path
from typing import Callable


class OutputError(RuntimeError):
    """An output path that cannot be written: said before any work is done."""


def describe(error: OSError) -> str:
    """'No space left on device: /mnt/x.pt', the one line a reader needs from an OSError."""
    reason = error.strerror or str(error) or type(error).__name__
    return f"{reason}: {error.filename}" if error.filename else reason


def target(path) -> Path:
    """Where writing `path` really writes: a link is followed, so the link keeps pointing at the
    new file; anything that exists there must be a regular file (never a device, pipe or folder)."""
    path = Path(path).expanduser()
    real = Path(os.path.realpath(path))
    if real.is_dir():
        raise OutputError(f"{path} is a folder; give the name of a file to write")
    if real.exists() and not real.is_file():
        raise OutputError(f"{path} exists and is not a regular file (a device, a pipe or a socket); "
                          f"refusing to replace it")
    return real


def check_writable(path, what: str = "output", new: bool = False) -> Path:
    """Make sure `path` can be written, before the work that produces it: its folder is made (as a
    write would make it) and a scratch file is created and removed there; a `new` file must not
    exist yet. Returns where it will go."""
    real = target(path)
    if new and real.exists():
        raise OutputError(f"the {what} file {path} exists already: a run writes a new file, never over "
                          f"another; pick a new name")
    above = next(p for p in real.parents if p.exists())  # the root always exists
    if not above.is_dir():
        raise OutputError(f"cannot write the {what} to {path}: {above} is a file, not a folder")
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=real.parent, prefix=f"{real.name}.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
        os.unlink(scratch)
    except OSError as error:
        raise OutputError(f"cannot write the {what} to {path}: {error.strerror or error}") from None
    return real


def remove_stale_temps(folder: Path, name: str) -> None:
    """Remove temp files of `name` left by writers that were killed (their process is gone)."""
    for tmp in folder.glob(f"{name}.*.tmp"):
        pid = tmp.name[len(name) + 1:].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            tmp.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def write_atomically(path, data: bytes, new: bool = False) -> Path:
    """Write `data` to `path` through a temp file in the same folder, then rename it into place
    (a `new` file is linked into place instead, which fails if the name was taken meanwhile).

    The temp file carries this process's id, so a later write can tell a killed writer's leftovers
    from a live one's and remove them. Returns the path written.
    """
    real = target(path)
    real.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(real.parent, real.name)
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f"{real.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; results are meant to be shared
        if new:
            place_new(tmp, real)
        else:
            os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return real


def place_new(tmp: str, real: Path) -> None:
    """Give the finished temp file its name only if no file has it: a hard link cannot replace one
    (FileExistsError), and the temp name is removed after. A file system without hard links gets
    a check, then a rename."""
    try:
        os.link(tmp, real)
    except FileExistsError:
        raise
    except OSError:
        if real.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(real)) from None
        os.replace(tmp, real)
        return
    os.unlink(tmp)


def rescue_folders() -> list:
    """Where a file goes when its own path fails at the end: the user's cache, the temp folder, here."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [cache / "ff_tutorial" / "rescued", Path(tempfile.gettempdir()) / "ff_tutorial-rescued", Path.cwd()]


def write_or_rescue(path, data: bytes, say: Callable[[str], None], new: bool = False) -> tuple:
    """Write `data` to `path` (a `new` file: never over one that exists now); if that fails, to the
    first rescue folder that works.

    Returns (the path written, whether it was rescued). `say` gets the one-line explanation.
    Raises the last OSError only if no folder at all could take the file.
    """
    try:
        return write_atomically(path, data, new=new), False
    except (OSError, OutputError) as error:
        reason = describe(error) if isinstance(error, OSError) else str(error)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = Path(path)
    for folder in rescue_folders():
        try:
            rescued = write_atomically(folder / f"{name.stem}-{stamp}{name.suffix}", data, new=new)
        except (OSError, OutputError) as error:
            last = error
            continue
        say(f"could not write {path} ({reason}); saved it to {rescued} instead")
        return rescued, True
    raise last
