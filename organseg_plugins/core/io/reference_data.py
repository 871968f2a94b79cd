"""Real medical reference files taken from other tools' PyPI source archives, in a local cache (framework-free).

Two tools ship real images inside their *source* archives (never in their wheels), and the tests read them:

* ``totalsegmentator==2.18.0`` (Apache-2.0), ``tests/reference_files/``: a 3 mm CT in NIfTI
  (``example_ct``) with that tool's 117-class label map of it (``example_seg_fast_force_split``), and a
  20-slice axial DICOM series (``example_ct_dicom``, a folder of UID-named files) with its label map
  (``example_seg_dicom``). The labels are the tool's model output, not manual ground truth.
* ``pyradiomics==3.0.1`` (BSD-3-Clause), ``data/``: CT and MR NRRD volumes with manual lesion labels
  (``lung1``, ``lung2``, ``brain1``, ``brain2``, ``breast1``; keys ``<case>_image`` / ``<case>_label``).

:func:`fetch` downloads each pinned sdist (``pip download --no-deps --no-binary :all:``; when pip cannot
prepare the sdist's metadata in this interpreter, straight from the simple index pip is configured with),
checks its sha256 *before* opening it, extracts only the listed files into
``<cache>/<name>-<version>/`` (into a temporary folder first, renamed into place when complete) and
writes a stamp there. A later call finds the stamp and touches no network. Nothing is ever written in
the repository; :func:`default_cache_dir` is ``$ORGANSEG_DATA_CACHE`` or
``~/.cache/organseg_plugins/reference_data``.

A download or verification failure raises :class:`ReferenceDataError` with one line naming the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ARCHIVES", "CACHE_ENV", "ReferenceArchive", "ReferenceDataError", "default_cache_dir",
           "download_sdist", "fetch", "sha256_of"]

#: Environment variable naming the cache folder (default: ``~/.cache/organseg_plugins/reference_data``).
CACHE_ENV = "ORGANSEG_DATA_CACHE"

STAMP_NAME = ".organseg-reference-stamp"
DEFAULT_INDEX = "https://pypi.org/simple"
_CHUNK = 1 << 20


class ReferenceDataError(RuntimeError):
    """A reference archive could not be downloaded, verified or extracted (the message names it)."""


@dataclass(frozen=True)
class ReferenceArchive:
    """One pinned sdist and the files taken from it.

    Attributes:
        name, version: the PyPI project and release.
        sha256, size: of the ``.tar.gz`` sdist (measured when the entry was added).
        license: the archive's license (SPDX), for the record.
        root: member prefix of the data folder inside the archive.
        files: key -> path relative to ``root``; a path ending in ``/`` is a folder (the regular files
            directly in it, at least one).
    """

    name: str
    version: str
    sha256: str
    size: int
    license: str
    root: str
    files: dict[str, str] = field(hash=False)

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"

    def stamp_text(self) -> str:
        """What the stamp of a complete extraction holds: the archive hash and the table of files."""
        return json.dumps({"archive": self.spec, "sha256": self.sha256, "root": self.root,
                           "files": dict(sorted(self.files.items()))}, indent=1, sort_keys=True) + "\n"


_RADIOMICS_CASES = ("brain1", "brain2", "breast1", "lung1", "lung2")

ARCHIVES: tuple[ReferenceArchive, ...] = (
    ReferenceArchive(
        name="totalsegmentator", version="2.18.0",
        sha256="5d4223ef93973bc36d710869d11e7742ead2c154c72f7f9edcaaadd5b6c4bd03", size=38_049_988,
        license="Apache-2.0", root="totalsegmentator-2.18.0/tests/reference_files/",
        files={"example_ct": "example_ct.nii.gz",
               "example_seg_fast_force_split": "example_seg_fast_force_split.nii.gz",
               "example_ct_dicom": "example_ct_dicom/",
               "example_seg_dicom": "example_seg_dicom.nii.gz"}),
    ReferenceArchive(
        name="pyradiomics", version="3.0.1",
        sha256="47c57f441d6cb7973fa3b2ea48d3948df78e3348e1c69e1e2ff19001601fc2f5", size=34_473_030,
        license="BSD-3-Clause", root="pyradiomics-3.0.1/data/",
        files={f"{case}_{kind}": f"{case}_{kind}.nrrd" for case in _RADIOMICS_CASES for kind in ("image", "label")}),
)


def default_cache_dir() -> Path:
    """``$ORGANSEG_DATA_CACHE``, else ``$XDG_CACHE_HOME`` (or ``~/.cache``) ``/organseg_plugins/reference_data``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "organseg_plugins" / "reference_data"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_error(archive: ReferenceArchive, actual: str) -> ReferenceDataError:
    return ReferenceDataError(f"{archive.spec} sdist: sha256 mismatch: expected {archive.sha256}, got {actual}")


_GENERIC = ("error: subprocess-exited-with-error", "error: metadata-generation-failed", "hint:", "note:", "×", "╰─>")


def _last_line(text: str) -> str:
    """The most telling line of pip's output: its last specific error, else its last line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("WARNING:")]
    errors = [ln for ln in lines if re.search(r"Error\b|^error:|^ERROR:", ln) and not ln.startswith(_GENERIC)]
    return (errors or lines or ["no output"])[-1]


# ------------------------------------------------------------------------------------------------ download
def _pip_download(archive: ReferenceArchive, dest: Path) -> Path:
    """``pip download`` of the sdist in hash-checking mode (pip refuses a wrong hash before running its setup.py).

    ``--no-build-isolation``: pip prepares an sdist's metadata even for a download, and pyradiomics' setup.py
    imports numpy, which an isolated build env lacks; this interpreter's setuptools/wheel/numpy serve instead.
    """
    req = dest / "requirements.txt"
    req.write_text(f"{archive.spec} --hash=sha256:{archive.sha256}\n")
    out = dest / "sdist"
    out.mkdir()
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--no-build-isolation",
           "--disable-pip-version-check", "--quiet", "--dest", str(out), "-r", str(req)]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900)
    if proc.returncode != 0:
        text = proc.stdout + proc.stderr
        if "DO NOT MATCH THE HASHES" in text:
            got = re.search(r"Got\s+([0-9a-f]{64})", text)
            raise _hash_error(archive, got.group(1) if got else "a different hash (see pip download)")
        raise ReferenceDataError(f"pip download exited {proc.returncode}: {_last_line(text)}")
    found = sorted(out.glob("*.tar.gz"))
    if len(found) != 1:
        raise ReferenceDataError(f"pip download left {[p.name for p in out.iterdir()]}, not one .tar.gz")
    return found[0]


def _pip_index_url() -> str:
    """The index pip is configured with (``PIP_INDEX_URL``, else ``pip config``), else PyPI's."""
    if os.environ.get("PIP_INDEX_URL", "").strip():
        return os.environ["PIP_INDEX_URL"].strip()
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        for line in proc.stdout.splitlines():
            key, _, value = line.partition("=")
            if key.endswith(".index-url") and value.strip("'\" "):
                return value.strip("'\" ").split()[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return DEFAULT_INDEX


def _index_download(archive: ReferenceArchive, dest: Path) -> Path:
    """The sdist's URL from the simple index (PEP 691 JSON or PEP 503 HTML), downloaded with urllib."""
    filename = f"{archive.dirname}.tar.gz"
    project = re.sub(r"[-_.]+", "-", archive.name).lower()
    page = urllib.parse.urljoin(_pip_index_url().rstrip("/") + "/", f"{project}/")
    request = urllib.request.Request(page, headers={
        "Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        body = resp.read().decode("utf-8", "replace")
        ctype = resp.headers.get("Content-Type", "")
    if "json" in ctype:
        urls = [f["url"] for f in json.loads(body).get("files", []) if f.get("filename") == filename]
    else:
        urls = [href for href in re.findall(r'href="([^"]+)"', body)
                if urllib.parse.urlsplit(href).path.rsplit("/", 1)[-1] == filename]
    if not urls:
        raise ReferenceDataError(f"{filename} is not listed on {page}")
    url = urllib.parse.urljoin(page, urls[0]).split("#", 1)[0]
    target = dest / filename
    with urllib.request.urlopen(url, timeout=180) as resp, open(target, "wb") as f:
        shutil.copyfileobj(resp, f, _CHUNK)
    return target


def download_sdist(archive: ReferenceArchive, dest: Path) -> Path:
    """Download ``archive``'s sdist into the empty folder ``dest`` and return its path (hash not yet checked
    here except by pip). ``pip download`` first; if pip cannot (e.g. it fails to prepare the metadata), the
    simple index. Raises :class:`ReferenceDataError` (one line) when neither works."""
    dest = Path(dest)
    errors = []
    for route, func in (("pip download", _pip_download), ("simple index", _index_download)):
        sub = dest / route.replace(" ", "_")
        sub.mkdir(parents=True, exist_ok=True)
        try:
            return func(archive, sub)
        except ReferenceDataError as err:
            if "sha256 mismatch" in str(err):
                raise
            errors.append(f"{route}: {err}")
        except (OSError, ValueError, subprocess.SubprocessError) as err:  # URLError/HTTPError are OSErrors
            errors.append(f"{route}: {type(err).__name__}: {err}")
    raise ReferenceDataError(f"could not download the {archive.spec} sdist ({'; '.join(errors)})")


# ------------------------------------------------------------------------------------------------ extract
def _extract(archive: ReferenceArchive, sdist: Path, target: Path) -> None:
    """Copy the listed members of ``sdist`` under ``target`` (paths relative to ``archive.root``)."""
    singles = {rel for rel in archive.files.values() if not rel.endswith("/")}
    folders = {rel for rel in archive.files.values() if rel.endswith("/")}
    found: dict[str, int] = {rel: 0 for rel in archive.files.values()}
    try:
        with tarfile.open(sdist, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or not member.name.startswith(archive.root):
                    continue
                rel = member.name[len(archive.root):]
                folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""  # the member's own folder
                if rel in singles:
                    found[rel] += 1
                elif folder in folders:
                    found[folder] += 1
                else:
                    continue
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                if src is None:
                    raise ReferenceDataError(f"{archive.spec} sdist: cannot read member {member.name}")
                with src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ReferenceDataError(f"{archive.spec} sdist: cannot extract {sdist.name}: {err}") from err
    missing = sorted(rel for rel, n in found.items() if n == 0)
    if missing:
        raise ReferenceDataError(f"{archive.spec} sdist: members missing under {archive.root}: {', '.join(missing)}")


def _paths(archive: ReferenceArchive, folder: Path) -> dict[str, Path]:
    return {key: folder / rel.rstrip("/") for key, rel in archive.files.items()}


def _is_complete(archive: ReferenceArchive, folder: Path) -> bool:
    stamp = folder / STAMP_NAME
    try:
        if stamp.read_text() != archive.stamp_text():
            return False
    except OSError:
        return False
    return all(p.exists() for p in _paths(archive, folder).values())


def _fetch_one(archive: ReferenceArchive, cache_dir: Path, log: Callable[[str], None]) -> Path:
    final = cache_dir / archive.dirname
    if _is_complete(archive, final):
        return final
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".tmp-{archive.dirname}-", dir=cache_dir) as tmp:
        tmp = Path(tmp)
        log(f"downloading the {archive.spec} sdist ({archive.size / 1e6:.1f} MB, {archive.license}) "
            f"into {cache_dir}")
        sdist = download_sdist(archive, tmp / "download")
        actual = sha256_of(sdist)
        if actual != archive.sha256:
            raise _hash_error(archive, actual)
        staged = tmp / "extracted"
        staged.mkdir()
        _extract(archive, sdist, staged)
        (staged / STAMP_NAME).write_text(archive.stamp_text())
        if final.exists():  # a stale or incomplete copy (another version of the table): replace it
            shutil.rmtree(final)
        try:
            os.rename(staged, final)
        except OSError:
            if not _is_complete(archive, final):  # not a concurrent fetch that finished first
                raise
    log(f"{archive.spec}: {len(archive.files)} entries in {final}")
    return final


def fetch(cache_dir: str | Path | None = None, archives: Iterable[ReferenceArchive] = ARCHIVES,
          log: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Make sure every archive's files are in ``cache_dir`` and return their paths by key.

    Idempotent: an archive whose folder holds a matching stamp is not downloaded again (no network at all
    on a warm cache, and nothing is logged). Otherwise its sdist is downloaded into a temporary folder in
    ``cache_dir``, its sha256 checked, the listed files extracted next to it and the folder renamed into
    ``cache_dir/<name>-<version>`` once complete, so an interrupted fetch never leaves a half cache.

    Args:
        cache_dir: the cache folder (default :func:`default_cache_dir`).
        archives: the table (default :data:`ARCHIVES`).
        log: called with a line for each download (default: silent).

    Returns:
        key -> path (a file, or the DICOM series' folder), over all archives.

    Raises:
        ReferenceDataError: a download failed, a hash did not match, a listed member is missing, or the cache
            cannot be written; the one line names the archive (and for a hash, the expected and the actual sha256).
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    log = log or (lambda _msg: None)
    paths: dict[str, Path] = {}
    for archive in archives:
        try:
            folder = _fetch_one(archive, cache_dir, log)
        except OSError as err:  # the cache folder cannot be written (the download errors are caught inside)
            raise ReferenceDataError(f"{archive.spec}: cannot write the cache in {cache_dir}: {err}") from err
        for key, path in _paths(archive, folder).items():
            if key in paths:
                raise ReferenceDataError(f"{archive.spec}: key {key!r} is used by two archives")
            paths[key] = path
    return paths
