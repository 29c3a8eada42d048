"""The detector registry: built-ins, generated modules from configured directories, entry points.

``detect_and_mitigate`` tries detectors in priority order (1 first; ties keep registration order:
built-ins, then entry points, then generated modules) and returns the first match's result, as
Autopack's ``FailureHardeningRegistry`` does. Generated modules are imported **by file path**
only from the directories the caller names, and only ``pattern_*.py`` files whose resolved path
stays inside such a directory: discovery must never execute a file it was not pointed at.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from pytest_autopack.errors import UsageError
from pytest_autopack.patterns.builtin import BUILTIN_DETECTORS, Detector, MitigationResult

ENTRY_POINT_GROUP = "autopack.patterns"
GENERATED_PRIORITY = 5
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """A detector that matched a message, with the result of its mitigation."""

    detector: Detector
    result: MitigationResult


class Registry:
    """An ordered set of detectors; build one with :func:`load_registry`."""

    def __init__(self, detectors: Iterable[Detector] = ()) -> None:
        self._detectors: list[Detector] = []
        for detector in detectors:
            self.register(detector)

    def register(self, detector: Detector) -> None:
        """Add a detector; a later one with the same id replaces the earlier one in place."""
        for index, existing in enumerate(self._detectors):
            if existing.pattern_id == detector.pattern_id:
                self._detectors[index] = detector
                return
        self._detectors.append(detector)

    @property
    def detectors(self) -> list[Detector]:
        """Detectors in the order they are tried: priority, then registration order."""
        return sorted(self._detectors, key=lambda d: d.priority)

    @property
    def pattern_ids(self) -> list[str]:
        """The ids of all registered detectors, in trial order."""
        return [d.pattern_id for d in self.detectors]

    def match(self, message: str, context: Mapping[str, Any] | None = None) -> Detector | None:
        """The first detector (by priority) that recognises ``message``, without mitigating."""
        ctx = context or {}
        for detector in self.detectors:
            try:
                if detector.detect(message, ctx):
                    return detector
            except Exception:  # a broken third-party detector must not stop the others
                logger.warning("detector %s raised on a message; skipped", detector.pattern_id, exc_info=True)
        return None

    def detect_and_mitigate(self, message: str, context: Mapping[str, Any] | None = None) -> Match | None:
        """First match by priority with its mitigation result, or None when nothing matches."""
        ctx = context or {}
        for detector in self.detectors:
            try:
                if not detector.detect(message, ctx):
                    continue
                return Match(detector, detector.mitigate(message, ctx))
            except Exception:
                logger.warning("detector %s failed; skipped", detector.pattern_id, exc_info=True)
        return None


def load_registry(
    directories: Sequence[Path | str] = (), *, builtins: bool = True, entry_points: bool = True
) -> Registry:
    """Built-ins, then third-party entry points, then generated modules found in ``directories``."""
    registry = Registry(BUILTIN_DETECTORS if builtins else ())
    if entry_points:
        for detector in _entry_point_detectors():
            registry.register(detector)
    for directory in directories:
        for detector in load_generated_directory(Path(directory)):
            registry.register(detector)
    return registry


def _entry_point_detectors() -> list[Detector]:
    from importlib.metadata import entry_points

    found: list[Detector] = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            obj = entry.load()
            if callable(obj) and not isinstance(obj, Detector):
                obj = obj()
            items = [obj] if isinstance(obj, Detector) else list(obj)
        except Exception:
            logger.warning("entry point %s in %s could not be loaded", entry.name, ENTRY_POINT_GROUP, exc_info=True)
            continue
        for item in items:
            if isinstance(item, Detector):
                found.append(replace(item, origin=f"entry point {entry.name}"))
            else:
                logger.warning("entry point %s yielded %r, not a Detector; ignored", entry.name, type(item))
    return found


def load_generated_directory(directory: Path) -> list[Detector]:
    """Import each ``pattern_*.py`` directly inside ``directory`` (by path) and wrap its functions."""
    if not directory.is_dir():
        raise UsageError(f"pattern directory not found: {directory}")
    root = directory.resolve()
    detectors = []
    for path in sorted(root.glob("pattern_*.py")):
        resolved = path.resolve()
        if resolved.parent != root or not resolved.is_file():
            logger.warning("%s points outside %s; not imported", path, root)
            continue
        detectors.append(_generated_detector(_import_by_path(resolved), resolved))
    return detectors


def _import_by_path(path: Path) -> ModuleType:
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:12]
    name = f"_autopack_generated_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import generated detector {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise UsageError(f"generated detector {path} failed to import: {type(exc).__name__}: {exc}") from None
    return module


def _generated_detector(module: ModuleType, path: Path) -> Detector:
    pattern_id = getattr(module, "PATTERN_ID", path.stem.removeprefix("pattern_"))
    if not isinstance(pattern_id, str) or not _ID.match(pattern_id):
        raise UsageError(f"generated detector {path} has an invalid PATTERN_ID")
    detect = getattr(module, f"detect_{pattern_id}", None)
    mitigate = getattr(module, f"mitigate_{pattern_id}", None)
    if not callable(detect) or not callable(mitigate):
        raise UsageError(f"generated detector {path} lacks detect_{pattern_id} / mitigate_{pattern_id}")
    priority = getattr(module, "PRIORITY", GENERATED_PRIORITY)

    def _mitigate(message: str, context: Mapping[str, Any]) -> MitigationResult:
        # Autopack's generated interface is mitigate(phase_id, context) -> {success, actions_taken,
        # message, retry_recommended}; adapt it to the hardening registry's result fields.
        data = mitigate(str(context.get("phase_id", "")), dict(context))
        suggestions = [str(data["message"])] if data.get("message") else []
        suggestions += [str(s) for s in data.get("suggestions", []) if str(s) not in suggestions]
        return MitigationResult(
            success=bool(data.get("success", False)),
            pattern_id=pattern_id,
            actions_taken=[str(a) for a in data.get("actions_taken", [])],
            suggestions=suggestions,
            fixed=bool(data.get("fixed", False)),
        )

    return Detector(
        pattern_id=pattern_id,
        name=str(getattr(module, "NAME", pattern_id)),
        description=str(getattr(module, "TEMPLATE", "")),
        priority=int(priority) if isinstance(priority, int) else GENERATED_PRIORITY,
        detect=lambda message, context: bool(detect(message, dict(context))),
        mitigate=_mitigate,
        origin=str(path),
    )
