"""Config checks that run before any work starts.

1. `check_overrides(argv, conf_dir)`: a command-line choice of a config group option that does not
   exist (``aligner=simalgn``, ``lang=xx``) fails with the nearest valid options (run.py calls it
   before Hydra composes, so the message is short and names the key).
2. `validate_config(cfg)`: every group node with a ``_target_`` is checked against the target's
   signature — an unknown key (a typo in YAML or an experiment file), a missing mandatory value
   (``???``) or a value of the wrong type fails with the key, the expected type and the valid keys.
   Keys typed on the command line are already rejected by Hydra's struct mode.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from xner.errors import ConfigError

_INSTANTIATE_KEYS = {"_target_", "_partial_", "_convert_", "_recursive_", "_args_"}


def group_options(conf_dir: Path, group: str) -> list[str]:
    path = conf_dir / group
    return sorted(p.stem for p in path.glob("*.yaml")) if path.is_dir() else []


def check_overrides(argv: Sequence[str], conf_dir: Path) -> None:
    """Reject `group=option` overrides whose option file does not exist, suggesting near names."""
    for arg in argv:
        if arg.startswith("-") or "=" not in arg:
            continue
        key, value = arg.split("=", 1)
        key = key.lstrip("+~")
        if "." in key or key.startswith("hydra"):
            continue
        options = group_options(conf_dir, key)
        if not options:
            continue
        for choice in value.split(","):
            choice = choice.strip()
            if not choice or choice == "null" or "(" in choice or "$" in choice or choice in options:
                continue
            if key == "lang":
                from xner.langs import get_language

                get_language(choice)  # raises with nearest language codes
            near = difflib.get_close_matches(choice, options, n=3, cutoff=0.4)
            hint = f" Did you mean {' or '.join(near)}?" if near else ""
            raise ConfigError(
                f"{key}={choice}: no such option in config group '{key}'.{hint} "
                f"Valid options: {', '.join(options)}"
            )


def _type_ok(value: Any, annotation: Any) -> bool:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if value is None:
        return False
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation in (str, bool):
        return isinstance(value, annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return value in typing.get_args(annotation)
    base = origin or annotation
    if base in (list, tuple, Sequence, typing.Sequence) or (
        isinstance(base, type) and issubclass(base, Sequence) and base is not str
    ):
        return isinstance(value, list | tuple | ListConfig)
    if base in (dict, Mapping, typing.Mapping) or (isinstance(base, type) and issubclass(base, Mapping)):
        return isinstance(value, dict | DictConfig)
    return True  # a type we do not check (classes, callables, ...)


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def validate_node(node: DictConfig, key_path: str, allow_missing: bool = False) -> None:
    """Check one `_target_` node against its target's signature."""
    target = node.get("_target_")
    module_name, _, attr = str(target).rpartition(".")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{key_path}._target_={target!r} cannot be imported: {exc}") from None
    func = obj.__init__ if inspect.isclass(obj) else obj
    sig = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable forward references: skip type checks, keep key checks
        hints = {}
    params = {n: p for n, p in sig.parameters.items() if n != "self"}
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    named = {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    for key in node:
        key = str(key)
        if key in _INSTANTIATE_KEYS:
            continue
        if key not in named and not var_kw:
            near = difflib.get_close_matches(key, sorted(named), n=2)
            hint = f" Did you mean {' or '.join(near)}?" if near else ""
            raise ConfigError(
                f"{key_path}.{key}: unknown key for {target}.{hint} Valid keys: {', '.join(sorted(named))}"
            )
        try:
            value = node[key]
        except MissingMandatoryValue:
            if allow_missing:
                continue
            raise ConfigError(f"{key_path}.{key} is required: set {key_path}.{key}=<value>") from None
        if key in named and key in hints and not isinstance(value, DictConfig | ListConfig):
            if not _type_ok(value, hints[key]):
                raise ConfigError(
                    f"{key_path}.{key}={value!r}: expected {_describe(hints[key])} "
                    f"(parameter of {target})"
                )
        elif key in named and key in hints and isinstance(value, ListConfig | DictConfig):
            container = OmegaConf.to_container(value, resolve=True)
            if not _type_ok(container, hints[key]):
                raise ConfigError(
                    f"{key_path}.{key}={container!r}: expected {_describe(hints[key])} "
                    f"(parameter of {target})"
                )


def validate_config(cfg: DictConfig, groups: Sequence[str] | None = None, allow_missing: bool = False) -> None:
    """Validate every `_target_` node of the groups used by this run (default: all of them).
    `allow_missing` accepts ``???`` values (to check option files that users must complete)."""
    for name in list(cfg.keys()) if groups is None else groups:
        node = cfg.get(name)
        if isinstance(node, DictConfig) and "_target_" in node:
            validate_node(node, str(name), allow_missing)


def check_keys(argv: Sequence[str], conf_dir: Path, config_name: str = "config") -> None:
    """Compose the config once with the command-line overrides; turn an unknown key into a
    ConfigError naming it, its nearest valid keys and all keys of its parent node."""
    if any(a in ("-m", "--multirun") for a in argv):
        return  # sweep syntax (ranges, choices) is checked by Hydra per job
    overrides = [a for a in argv if not a.startswith("-") and "=" in a and not a.lstrip("+~").startswith("hydra")]
    from hydra import compose, initialize_config_dir
    from hydra.errors import ConfigCompositionException

    try:
        with initialize_config_dir(str(conf_dir), version_base="1.3"):
            compose(config_name, overrides=overrides)
    except ConfigCompositionException as exc:
        message = str(exc.__cause__ or exc)
        bad = next((a for a in overrides if "=" in a and a.split("=", 1)[0] in str(exc)), None)
        if "not in struct" in message and bad:
            key = bad.split("=", 1)[0].lstrip("+~")
            parent, _, leaf = key.rpartition(".")
            with initialize_config_dir(str(conf_dir), version_base="1.3"):
                base = compose(config_name, overrides=[o for o in overrides if o != bad])
            node = OmegaConf.select(base, parent) if parent else base
            valid = sorted(str(k) for k in node) if isinstance(node, DictConfig) else []
            near = difflib.get_close_matches(leaf, valid, n=2)
            hint = f" Did you mean {' or '.join(f'{parent}.{n}' if parent else n for n in near)}?" if near else ""
            raise ConfigError(
                f"{key}: no such config key.{hint} Keys under {parent or 'the root'}: {', '.join(valid)}"
            ) from None
        raise ConfigError(message.strip().splitlines()[0]) from None
    except Exception:
        return  # anything else (e.g. interpolations needing a running Hydra) is reported by Hydra itself


# Groups whose objects are cheap to build (no model, no I/O): building them before any work
# surfaces value errors only their class can check (e.g. matcher.constraint=lt) at once, not
# after hours of translation and alignment.
CHEAP_GROUPS = ("matcher", "candidates", "projection")


def precheck_values(cfg: DictConfig, groups: Sequence[str]) -> None:
    """Instantiate the cheap groups among `groups` once and throw the objects away."""
    from hydra.utils import get_class, instantiate

    for name in groups:
        node = cfg.get(name)
        if name not in CHEAP_GROUPS or not isinstance(node, DictConfig) or "_target_" not in node:
            continue
        cls = get_class(node._target_)
        if getattr(cls, "needs_tagger", False):
            continue  # building it would load a model
        params = inspect.signature(cls.__init__).parameters
        placeholders = {
            p: None for p, spec in params.items()
            if p != "self" and p not in node and spec.default is inspect.Parameter.empty
            and spec.kind not in (spec.VAR_KEYWORD, spec.VAR_POSITIONAL)
        }
        instantiate(node, **placeholders, _convert_="all")
