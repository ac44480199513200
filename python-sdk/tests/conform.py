"""Checks a JSON value against a generated model (arcrun_sdk.models): the check the integration tests run on
every answer, so a response the document does not describe fails the test that received it."""

from __future__ import annotations

import re
import typing
from typing import Any, Dict, List, Optional, Tuple

from typing_extensions import Literal, NotRequired, Required, is_typeddict


def problems(value: Any, tp: Any, where: str = "$") -> List[str]:
    """Where ``value`` does not fit ``tp``; empty when it does. Extra keys are allowed (open objects)."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return []
    if tp is type(None):
        return [] if value is None else [f"{where}: expected null, got {value!r}"[:200]]
    if origin in (NotRequired, Required):
        return problems(value, typing.get_args(tp)[0], where)
    if origin is typing.Union:
        fits = [problems(value, a, where) for a in typing.get_args(tp)]
        return [] if any(not f for f in fits) else min(fits, key=len)
    if origin is Literal:
        return [] if value in typing.get_args(tp) else [f"{where}: {value!r} not in {typing.get_args(tp)}"]
    if origin in (list, List):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(tp)
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{where}[{i}]")]
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        _, item = typing.get_args(tp)
        return [p for k, v in value.items() for p in problems(v, item, f"{where}.{k}")]
    if is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: expected {tp.__name__}, got {type(value).__name__}"]
        hints = typing.get_type_hints(tp, include_extras=True)
        out = [f"{where}.{k}: required by {tp.__name__}, missing" for k in tp.__required_keys__ if k not in value]
        for k, v in value.items():
            if k in hints:
                out += problems(v, hints[k], f"{where}.{k}")
        return out
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number, got {value!r}"[:200]]
    if tp in (str, int, bool):
        ok = isinstance(value, tp) and (tp is bool or not isinstance(value, bool))
        return [] if ok else [f"{where}: expected {tp.__name__}, got {value!r}"[:200]]
    return [f"{where}: no check for {tp!r}"]


class Routes:
    """operationId of a request, from the document's paths (literal segments win over parameters)."""

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._routes: List[Tuple[str, "re.Pattern[str]", str, int]] = []
        for path, item in doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, op in item.items():
                self._routes.append((method.upper(), rx, op["operationId"], path.count("{")))
        self._routes.sort(key=lambda r: r[3])

    def operation(self, method: str, path: str) -> Optional[str]:
        return next((op for m, rx, op, _ in self._routes if m == method and rx.match(path)), None)
