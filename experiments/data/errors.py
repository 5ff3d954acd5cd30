"""Errors shared by the dataset readers, and the search for dataset files on disk.

Nothing here downloads anything. When a data set is not on disk, the readers raise
:class:`DatasetMissing`, whose message says which files were looked for, where, and how
to supply them.
"""
from __future__ import annotations

import os
from pathlib import Path


class DatasetMissing(FileNotFoundError):
    """A data set's files are not on disk. The message says what to do about it."""


class DataFileError(ValueError):
    """A data file is on disk but cannot be used: corrupt, truncated, or of the wrong layout.
    The message names the file and what was expected and found."""


def file_or_gz(directory: Path, name: str) -> Path | None:
    """``directory/name`` or ``directory/name.gz``, whichever exists (plain first); else None."""
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def search_dirs(data_dir, env_var: str, defaults: tuple[str, ...]) -> tuple[list[tuple[Path, str]], bool]:
    """The directories to look in, each with a note on where it came from.

    An explicit ``data_dir`` is the only place searched; without it the directory named by
    ``env_var`` is the only place searched; only when neither is given are the ``defaults``
    tried. (A directory the user named that lacks the files is an error, never a silent
    switch to some other copy.) The second value says whether the user named a directory.
    """
    if data_dir is not None:
        return [(Path(data_dir).expanduser(), "the data_dir argument")], True
    env = os.environ.get(env_var)
    if env:
        return [(Path(env).expanduser(), f"the environment variable {env_var}")], True
    return [(Path(d), "default location") for d in defaults], False


def locate_files(dirs: list[tuple[Path, str]], names: dict[str, str]) -> tuple[dict[str, Path] | None, list[str]]:
    """Find all of ``names`` (key -> file name, ``.gz`` optional) in the first directory that has them all.

    Returns ``(paths, report)``: ``paths`` maps each key to the file found (None when no
    directory held the complete set); ``report`` is one line per directory searched saying
    what was missing there, for the error message.
    """
    report = []
    for directory, origin in dirs:
        if directory.is_file():
            report.append(f"  {directory}  ({origin}): a file; give the folder that holds the files")
            continue
        if not directory.is_dir():
            report.append(f"  {directory}  ({origin}): no such directory")
            continue
        found = {key: file_or_gz(directory, name) for key, name in names.items()}
        missing = [names[k] for k, p in found.items() if p is None]
        if not missing:
            return found, report
        report.append(f"  {directory}  ({origin}): missing {', '.join(missing)}")
    return None, report


def missing_message(dataset: str, names: dict[str, str], report: list[str], how: list[str]) -> str:
    """The text of a :class:`DatasetMissing` error: files wanted, places searched, remedies."""
    wanted = ", ".join(f"{n}[.gz]" for n in names.values())
    lines = [f"{dataset} not found. Looked for the files: {wanted}", "Searched:"]
    lines += report or ["  (nowhere: no directory was given)"]
    lines.append("To supply the data:")
    lines += [f"  - {h}" for h in how]
    lines.append("Nothing is downloaded automatically.")
    return "\n".join(lines)
