"""Firmware update information: the operator's catalogue of releases per camera model (P7).

The catalogue is a JSON file named by the `firmware_catalog` setting; the package ships one
listing the simulator. Each model lists its releases, in any order:

    {"models": [{"model": "Hearthwatch CamSim",
                 "releases": [{"version": "1.5.0-sim", "released": "2026-11-03",
                               "severity": "security", "notes": "What changed.",
                               "installs_automatically": false,
                               "fixes": ["What it fixes, one line each."],
                               "install_steps": ["How the owner installs it, step by step."],
                               "advisory_url": "https://maker.example/advisories/1"}]}]}

`fixes`, `install_steps` and `advisory_url` are optional: they fill the page each camera's
pending update links to (`/cameras/<id>/firmware`), so an owner learns what an update fixes
and how to install it. Without steps, the page says to use the maker's app or the camera's
own web page (or that the camera installs it by itself).

Versions compare by their numbers, numerically, with trailing zeros ignored (1.10.0 is newer
than 1.9.3; 1.5 and 1.5.0 are the same). A leading "v" is ignored. Whatever follows the
numbers (after "-", "+", "_" or a space, or straight after them when it starts with a
letter) is one of two things:

- a pre-release tag (dev, alpha, beta, pre, rc, with an optional number: "1.5.0-rc2",
  "1.5.0rc.2"),
  which comes before the release itself;
- otherwise a build flavour ("-sim", " build 220112"), which says how the build was made and
  does not move it: 1.5.0-sim and 1.5.0 are the same release.

The file is read at start-up, when the settings are validated, so a broken catalogue stops
the service with the reason instead of failing requests. It is read again when it changes;
a version broken while running is logged and the last good one stays in use.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

log = logging.getLogger(__name__)

SHIPPED_CATALOG = Path(__file__).with_name("firmware_catalog.json")
MAX_CATALOG_BYTES = 4 * 1024 * 1024

Severity = Literal["security", "bugfix", "feature"]
UpdateStatus = Literal["up_to_date", "update_available", "unknown"]
UnknownReason = Literal["no_model", "model_not_listed", "no_version", "version_unreadable"]

# Most serious first: an update that bundles a security fix is a security update.
SEVERITY_ORDER: tuple[Severity, ...] = ("security", "bugfix", "feature")
PRE_RELEASE_STAGES = {"dev": 0, "alpha": 1, "beta": 2, "pre": 3, "rc": 3}
FINAL_STAGE = 4

VERSION = re.compile(
    r"[vV]?(?P<numbers>\d+(?:\.\d+)*)"  # 1.4.2
    r"(?:(?:[-+_ ]|(?=[A-Za-z]))(?P<suffix>[A-Za-z0-9].*))?"  # -sim, rc1, " build 220112"
)
PRE_RELEASE = re.compile(r"(?P<stage>dev|alpha|beta|pre|rc)\.?(?P<number>\d*)", re.IGNORECASE)

VersionKey = tuple[tuple[int, ...], int, int]


class CatalogError(ValueError):
    """The firmware catalogue cannot be read or is invalid.

    An operator's configuration error, reported at start-up like a bad setting; it is a
    ValueError (not a HearthwatchError) because no client ever sees it.
    """


def version_key(version: str) -> VersionKey:
    """What orders a firmware version: its numbers, then its pre-release stage."""
    found = VERSION.fullmatch(version.strip())
    if found is None:
        raise ValueError(f"{version!r} is not a firmware version like 1.4.2 or 1.4.2-sim")
    numbers = [int(part) for part in found["numbers"].split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    stage = PRE_RELEASE.fullmatch(re.split(r"[-+_ ]", found["suffix"] or "")[0])
    if stage is None:
        return tuple(numbers), FINAL_STAGE, 0
    return tuple(numbers), PRE_RELEASE_STAGES[stage["stage"].lower()], int(stage["number"] or 0)


CatalogLine = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
# A link shown to owners: only a web address, never `javascript:` or the like.
AdvisoryUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s<>\"']+$")]


def _readable_version(version: str) -> str:
    version_key(version)
    return version


class Release(BaseModel):
    """One firmware release of a model, as the operator lists it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    version: Annotated[
        str,
        StringConstraints(min_length=1, max_length=32, strip_whitespace=True),
        AfterValidator(_readable_version),
    ]
    released: date
    severity: Severity
    notes: Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
    installs_automatically: bool
    fixes: Annotated[list[CatalogLine], Field(max_length=20)] = []
    install_steps: Annotated[list[CatalogLine], Field(max_length=20)] = []
    advisory_url: AdvisoryUrl | None = None

    @property
    def key(self) -> VersionKey:
        return version_key(self.version)


class ModelReleases(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    model: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    releases: Annotated[list[Release], Field(min_length=1)]

    @field_validator("releases")
    @classmethod
    def _newest_first(cls, releases: list[Release]) -> list[Release]:
        seen: dict[VersionKey, str] = {}
        for release in releases:
            if (earlier := seen.get(release.key)) is not None:
                raise ValueError(f"versions {earlier} and {release.version} are the same release")
            seen[release.key] = release.version
        return sorted(releases, key=lambda release: release.key, reverse=True)


class Catalog(BaseModel):
    """Every model the operator has release information for."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    models: list[ModelReleases]

    @field_validator("models")
    @classmethod
    def _models_once(cls, models: list[ModelReleases]) -> list[ModelReleases]:
        seen: dict[str, str] = {}
        for entry in models:
            if (earlier := seen.get(entry.model.casefold())) is not None:
                raise ValueError(f"models {earlier!r} and {entry.model!r} are the same model")
            seen[entry.model.casefold()] = entry.model
        return models

    def releases_of(self, model: str) -> list[Release] | None:
        """The model's releases, newest first; None when the model is not listed."""
        wanted = model.strip().casefold()
        return next((e.releases for e in self.models if e.model.casefold() == wanted), None)


@dataclass(frozen=True)
class FirmwareUpdate:
    """What the catalogue says about one camera's firmware."""

    status: UpdateStatus
    latest: Release | None = None
    newer: tuple[Release, ...] = ()
    reason: UnknownReason | None = None

    @property
    def severity(self) -> Severity | None:
        """The most serious kind of change the camera is missing."""
        kinds = {release.severity for release in self.newer}
        return next((kind for kind in SEVERITY_ORDER if kind in kinds), None)


def update_for(catalog: Catalog, *, model: str | None, version: str | None) -> FirmwareUpdate:
    """Whether newer firmware than `version` is listed for `model`."""
    if not model:
        return FirmwareUpdate("unknown", reason="no_model")
    releases = catalog.releases_of(model)
    if releases is None:
        return FirmwareUpdate("unknown", reason="model_not_listed")
    if not version:
        return FirmwareUpdate("unknown", latest=releases[0], reason="no_version")
    try:
        installed = version_key(version)
    except ValueError:
        return FirmwareUpdate("unknown", latest=releases[0], reason="version_unreadable")
    newer = tuple(release for release in releases if release.key > installed)
    status: UpdateStatus = "update_available" if newer else "up_to_date"
    return FirmwareUpdate(status, latest=releases[0], newer=newer)


def load_catalog(path: Path) -> Catalog:
    """Read and validate the catalogue file, or say exactly what is wrong with it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CATALOG_BYTES + 1)
    except OSError as err:
        raise CatalogError(f"firmware catalogue {path}: cannot be read ({err.strerror})") from err
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"firmware catalogue {path}: larger than {MAX_CATALOG_BYTES} bytes")
    try:
        return Catalog.model_validate_json(data)
    except ValidationError as err:
        raise CatalogError(f"firmware catalogue {path}: {_problems(err)}") from err


def _problems(err: ValidationError) -> str:
    """Pydantic's errors as "where: what" lines, e.g. `models.0.releases.1.version: ...`."""
    lines = []
    for error in err.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "file"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)


@dataclass
class _Loaded:
    stamp: tuple[int, int]
    catalog: Catalog


class CatalogCache:
    """Parsed catalogues by path, read again when the file's mtime or size changes."""

    def __init__(self) -> None:
        self._loaded: dict[Path, _Loaded] = {}
        self._failed: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, *, strict: bool = False) -> Catalog:
        """The catalogue at `path`; with `strict`, errors raise instead of keeping the last good."""
        with self._lock:
            try:
                return self._current(path)
            except CatalogError as err:
                if strict:
                    raise
                return self._last_good(path, err)

    def _current(self, path: Path) -> Catalog:
        try:
            info = path.stat()
        except OSError as err:
            raise CatalogError(
                f"firmware catalogue {path}: cannot be read ({err.strerror})"
            ) from err
        stamp = (info.st_mtime_ns, info.st_size)
        loaded = self._loaded.get(path)
        if loaded is None or loaded.stamp != stamp:
            loaded = _Loaded(stamp, load_catalog(path))
            self._loaded[path] = loaded
            self._failed.pop(path, None)
        return loaded.catalog

    def _last_good(self, path: Path, err: CatalogError) -> Catalog:
        # Logged once per broken version of the file, not on every camera shown.
        if self._failed.get(path) != (stamp := _stamp_or_zero(path)):
            self._failed[path] = stamp
            log.error("firmware catalogue not reloaded; keeping the last good one: %s", err)
        loaded = self._loaded.get(path)
        return loaded.catalog if loaded is not None else Catalog(models=[])


def _stamp_or_zero(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return 0, 0
    return info.st_mtime_ns, info.st_size


catalogs = CatalogCache()


def update_for_camera(
    catalog_path: Path, *, model: str | None, version: str | None
) -> FirmwareUpdate:
    """Update information for a camera, from the catalogue file as it is now."""
    return update_for(catalogs.get(catalog_path), model=model, version=version)


def checked_catalog_path(path: Path) -> Path:
    """The settings' check: the catalogue must load, or the service does not start."""
    catalogs.get(path, strict=True)
    return path


CatalogPath = Annotated[Path, AfterValidator(checked_catalog_path)]
