"""Build the model artifact: one trainer per attribute, hyper-parameters by cross-validation.

``TRAINERS`` maps an attribute name to a function ``(TrainingRequest, progress) -> TrainedAttribute``;
adding an attribute (off_topic) is one entry there. ``train_artifact`` runs the chosen trainers and
writes the artifact with its manifest (model/artifact.py).

Progress goes to a ``progress(str)`` callback (the CLI passes ``print``) and to logging.
Everything is seeded, so the same data and code give the same model bytes.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import ModelError
from model.artifact import MANIFEST, check_out_dir, save_artifact, verify_artifact
from training.fit import (  # noqa: F401  (SEED, fit_linear, INSULT_CONFIG: re-exported for the CLI and tests)
    INSULT_CONFIG,
    OLID_NEG_WEIGHT,
    OLID_POS_WEIGHT,
    SEED,
    LinearConfig,
    Progress,
    TrainedAttribute,
    TrainingRequest,
    _groups,
    _quiet,
    fit_linear,
)
from training.parallel import cancel_all, forked

log = logging.getLogger(__name__)


# -- off_topic (reads the article and thread; training/offtopic.py) -------------------------------


def train_off_topic(request: TrainingRequest, progress: Progress) -> TrainedAttribute:
    from training.offtopic import train_attribute  # imported here: offtopic imports this module

    result: TrainedAttribute = train_attribute(request, progress)
    return result


# -- the text-attribute family (one featuriser, one pass; training/heads.py) ------------------------


def train_text_family(request: TrainingRequest, progress: Progress) -> dict[str, TrainedAttribute]:
    """Every text attribute at once: they share one featuriser and one model file."""
    from training.heads import FAMILY_FILE, HEADS, fit_family, head_corpora

    started = time.perf_counter()
    corpora = head_corpora(request.data_dir, request.feedback, request.decisions)
    from training.corpora import OPERATOR_SOURCES
    from training.languages import ROUTED_DEFINITIONS, manifest_fields, split_feedback, train_languages

    # The operator's labels (verdicts, --decisions) on de/fr/ar comments train the model scoring them.
    feedback: dict[str, dict[str, list[Any]]] = {}
    for name in ROUTED_DEFINITIONS:
        for i, c in enumerate(corpora.get(name, [])):
            if c.name.startswith(OPERATOR_SOURCES):
                corpora[name][i], parts = split_feedback(c)
                for language, part in parts.items():
                    feedback.setdefault(name, {}).setdefault(language, []).append(part)
    for name, cs in corpora.items():
        for c in cs:
            progress(f"  {name} <- {c.summary()}")
    # German, French and Arabic models for the attributes their corpora label, routed by language:
    # independent of the English heads, so they train in a forked process alongside them.
    pending = {
        name: forked(
            functools.partial(train_languages, feedback=feedback.get(name)),
            Path(request.data_dir),
            name,
            progress=progress,
        )
        for name in ROUTED_DEFINITIONS
        if name in corpora
    }
    definitions = {h.name: h.definition for h in HEADS}
    languages: dict[str, dict[str, Any]] = {}
    try:
        family, results = fit_family(corpora, progress)
        family.language_models = {}
        for name, stage in pending.items():
            models = stage.result()
            family.language_models[name] = {k: m.model for k, m in models.items()}
            languages[name] = manifest_fields(models, "en")
            definitions[name] = f"{definitions[name]}. Other languages: {ROUTED_DEFINITIONS[name]}"
    except BaseException:
        cancel_all(pending.values())  # else the exiting process waits for them forever
        raise
    seconds = time.perf_counter() - started
    return {
        name: TrainedAttribute(
            model=family,
            interface="predict_proba",
            label_definition=definitions[name],
            threshold=r.threshold,
            metrics={**r.metrics, "family_training_seconds": round(seconds, 1)},
            hyperparameters={**r.hyperparameters, "featurizer": family.featurizer.get_params()},
            corpora=r.corpora,
            seconds=r.seconds,
            extra={"file": FAMILY_FILE, "head": name, "languages": ["en"], **languages.get(name, {})},
        )
        for name, r in results.items()
    }


Trainer = Callable[[TrainingRequest, Progress], "TrainedAttribute | dict[str, TrainedAttribute]"]


def _family_trainers() -> dict[str, Trainer]:
    from training.heads import HEAD_NAMES

    return {name: train_text_family for name in HEAD_NAMES}


TRAINERS: dict[str, Trainer] = {**_family_trainers(), "off_topic": train_off_topic}


def _others(out_dir: Path, names: Sequence[str]) -> list[str]:
    from model.artifact import read_manifest

    try:
        return [a for a in read_manifest(out_dir).get("attributes", {}) if a not in names]
    except ModelError:
        return []


def _report_untrained_feedback(source: Path | str, progress: Progress) -> None:
    """Verdicts on an attribute this code trains none of (one the model no longer ships: a queue item
    scored by an older version takes verdicts on its attributes) are named, never dropped silently."""
    from training.corpora import feedback_attributes

    where, counts = feedback_attributes(source)
    for attribute, n in sorted(counts.items()):
        if attribute not in TRAINERS:
            progress(
                f"NOT USED: {n} {attribute} verdicts in {where} (no attribute of that name is trained: "
                "a model version that scored it is older or newer than this code)"
            )


def train_artifact(
    request: TrainingRequest,
    out_dir: Path,
    attributes: Sequence[str] | None = None,
    progress: Progress = _quiet,
    carry_from: Path | None = None,
) -> dict[str, Any]:
    """Train the chosen attributes (default: every registered trainer) and write the artifact.

    When only some attributes are retrained, the others are carried over unchanged from the artifact
    in ``carry_from`` (default: the one already in ``out_dir``) after verifying their hashes, so
    retraining insult keeps off_topic.
    """
    names = list(dict.fromkeys(attributes or TRAINERS))  # `--attribute insult` twice trains it once
    # Attributes sharing a trainer (the text family) are trained, and written, together.
    chosen = {id(TRAINERS[n]) for n in names}
    names = [n for n in TRAINERS if id(TRAINERS[n]) in chosen] + [n for n in names if n not in TRAINERS]
    check_out_dir(Path(out_dir))  # before minutes of training, not after
    if request.feedback is not None:
        _report_untrained_feedback(request.feedback, progress)
    base = Path(carry_from if carry_from is not None else out_dir)
    carried: dict[str, tuple[bytes, dict[str, Any]]] = {}
    if attributes and (base / MANIFEST).is_file():
        others = _others(base, names)
        try:
            # Only the attributes carried over are checked: a damaged file about to be replaced
            # must not cost the others.
            old_manifest, blobs = verify_artifact(base, only=others)
        except ModelError as exc:
            # Never a new artifact without them: activated, it would serve fewer attributes.
            raise ModelError(
                f"cannot carry over {', '.join(others) or 'the other attributes'} from {base}, nothing "
                f"was trained: {exc}. Retrain every attribute (without --attribute) instead"
            ) from exc
        for other, data in blobs.items():
            if other not in names:
                carried[other] = (data, old_manifest["attributes"][other])
                progress(f"  keeping {other} unchanged from {base}")
    trained: dict[str, TrainedAttribute] = {}
    started = time.perf_counter()
    # One trainer per group (the text family is one trainer for all its heads). The groups are
    # independent: the first trains here, the others in forked processes alongside it.
    trainers = list(dict.fromkeys(TRAINERS[n] for n in names))
    lead = {t: next(n for n in names if TRAINERS[n] is t) for t in trainers}
    stages = {lead[t]: forked(t, request, progress=progress) for t in trainers[1:]}
    try:
        for trainer in trainers:
            name = lead[trainer]
            progress(f"training {name}")
            result = stages[name].result() if name in stages else trainer(request, progress)
            group = result if isinstance(result, dict) else {name: result}
            trained.update(group)
            progress(f"  {', '.join(group)} done in {time.perf_counter() - started:.0f}s")
    except BaseException:
        # A failed group (a missing corpus, Ctrl-C) stops the others: left running, a finished stage
        # blocks on its result pipe and the exiting process waits for it forever.
        cancel_all(stages.values())
        raise
    order = [n for n in TRAINERS if n in trained or n in carried]
    manifest = {
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "attribute_order": order,
    }
    return save_artifact(
        out_dir,
        {n: t.model for n, t in trained.items()},
        manifest,
        {n: t.manifest_entry() for n, t in trained.items()},
        carried=carried,
    )
