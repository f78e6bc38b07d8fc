"""scikit-learn's estimator protocol without importing scikit-learn.

The model classes follow scikit-learn's conventions (``__init__`` stores its parameters untouched,
``fit`` learns, fitted attributes end in ``_``; ``get_params`` / ``set_params``, so ``sklearn.clone``
and grid searches work on them). Subclassing ``sklearn.base.BaseEstimator`` for that made every
process that unpickles a model import all of scikit-learn (about 0.7 s of a ~1.6 s load, most of it
scipy.stats), though scoring never calls it. Training still uses scikit-learn; scoring does not.
"""

from __future__ import annotations

import inspect
from typing import Any


class Estimator:
    """``get_params`` / ``set_params`` / ``repr`` as ``sklearn.base.BaseEstimator`` defines them."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Estimator:
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    _estimator_type: str | None = None  # "classifier" / "transformer": what scikit-learn's tools ask

    def __sklearn_tags__(self) -> Any:
        """BaseEstimator's tags (cross_val_score, GridSearchCV, check_is_fitted read them); imported
        when a scikit-learn tool asks, so scoring still does not."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        kind = self._estimator_type
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind == "classifier"),
            transformer_tags=TransformerTags() if kind == "transformer" else None,
            classifier_tags=ClassifierTags(multi_class=False) if kind == "classifier" else None,
            input_tags=InputTags(two_d_array=False, string=True),
        )

    # Pickling: the instance dict, as BaseEstimator does (subclasses drop derived state through these).
    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state.pop("_sklearn_version", None)  # written by BaseEstimator into models pickled before this
        self.__dict__.update(state)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        return f"{type(self).__name__}({args})"
