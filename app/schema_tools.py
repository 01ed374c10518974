"""The schemas' base classes, pydantic fields built from the engine's `Setting` tables, and tagged unions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, create_model

from engine.optimizers import Optimizer
from engine.settings import Setting

MAX_SEED = 2**53 - 1  # seeds stay exact in JavaScript numbers (and in JSON Schema's float comparisons)


def _integral(v: Any) -> Any:
    """5.0 -> 5: JSON Schema's "integer" includes numbers with a zero fractional part, so the server takes them."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


# Request ints are Annotated[int, Field(bounds...), INTEGRAL]: a whole number (5 or 5.0, never 5.5 or true). The
# bounds go before the validator, or pydantic cannot write them into the JSON schema as minimum / maximum.
INTEGRAL = BeforeValidator(_integral)
Int = Annotated[int, INTEGRAL]
NonNegative = Annotated[int, Field(ge=0), INTEGRAL]
Positive = Annotated[int, Field(ge=1), INTEGRAL]


class Req(BaseModel):
    """Base of every request and client message: unknown fields, NaN and Infinity refused; JSON types only."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Resp(BaseModel):
    """Base of responses: documented fields typed, more fields allowed (they are welcome)."""

    model_config = ConfigDict(extra="allow")


def tagged(models: dict[str, Any], key: str, default: str | None) -> Any:
    """A union of `models` chosen by `data[key]` (or `default` when the key is absent)."""
    def pick(v: Any) -> str | None:
        if isinstance(v, dict):
            tag = v.get(key, default)
            return tag if isinstance(tag, str) else repr(tag)
        return getattr(v, key, None)

    pick.__name__ = key  # pydantic names the discriminator in its errors: "unknown name 'x'"
    members = tuple(Annotated[m, Tag(tag)] for tag, m in models.items())
    return Annotated[Union[members], Discriminator(pick)]  # noqa: UP007 (a runtime-built union)


def _bounds(s: Setting) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if s.low is not None:
        out["gt" if s.low_open else "ge"] = s.low
    if s.high is not None:
        out["le"] = s.high
    return out


def annotation(s: Setting) -> Any:
    """The Python type of one Setting (with its bounds)."""
    if s.type == "bool":
        kind: Any = bool
    elif s.type == "floats":
        item = Annotated[float, Field(**_bounds(s))]
        kind = Annotated[list[item], Field(min_length=s.length, max_length=s.length)]  # type: ignore[valid-type]
    else:
        bounds = Field(**_bounds(s))
        kind = Annotated[int, bounds, INTEGRAL] if s.type == "int" else Annotated[float, bounds]
    return kind | None if s.nullable else kind


def fields_of(settings: Iterable[Setting], partial: bool = False) -> dict[str, Any]:
    """create_model field definitions; `partial` fields default to None (absent = unchanged)."""
    return {
        s.name: (annotation(s), Field(None if partial else s.default, description=s.doc))
        for s in settings
    }


def literal(*values: str) -> Any:
    """Literal[values] built at run time."""
    return Literal[values]


def tag_field(name: str, default: str) -> Any:
    """The tag of a union member: optional for the default member, required for the others (so the OpenAPI
    schema, like the server, reads a spec without a name as the default)."""
    return Field(name) if name == default else Field()


def title(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def union_settings(optimizers: Mapping[str, Optimizer]) -> list[Setting]:
    """Each setting name once over all optimisers, with the loosest bounds (the engine checks the rest)."""
    by_name: dict[str, list[Setting]] = {}
    for opt in optimizers.values():
        for s in opt.settings:
            by_name.setdefault(s.name, []).append(s)
    out = []
    for name, group in by_name.items():
        types = {s.type for s in group}
        assert len(types) == 1, f"optimizer setting {name!r} has several types: {types}"
        lows = [s.low for s in group]
        highs = [s.high for s in group]
        low = None if None in lows else min(v for v in lows if v is not None)
        out.append(Setting(
            name, group[0].type, None, group[0].doc,
            low=low,
            high=None if None in highs else max(v for v in highs if v is not None),
            low_open=all(s.low_open and s.low == low for s in group),
            nullable=any(s.nullable for s in group),
            length=group[0].length if all(s.length == group[0].length for s in group) else None,
        ))
    return out


def named_models(table: Mapping[str, Any], suffix: str, default: str, doc: Callable[[Any], str],
                 before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None
                 ) -> dict[str, type[BaseModel]]:
    """One request model per entry of a name-to-object table (optimisers, schedules, surfaces, datasets): called
    f"{Title}{suffix}", documented by doc(entry), with the fields `before`, the tag `name` (`default` when absent),
    the fields `after`, then the entry's settings."""
    return {
        name: create_model(
            f"{title(name)}{suffix}",
            __base__=Req,
            __doc__=doc(item),
            **(before or {}),
            name=(literal(name), tag_field(name, default)),
            **(after or {}),
            **fields_of(item.settings),
        )
        for name, item in table.items()
    }
