"""Settings: the store URL (--store, GRAPHCRM_STORE), the organisation (time zone, language, currency) and the policy table, overridable by a TOML file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from datetime import tzinfo

from graphcrm.errors import ConfigError, ParameterError
from graphcrm.guard.limits import Limits, limits_from
from graphcrm.model import GRADE_ORDER
from graphcrm.times import zone_named

__all__ = ["Policy", "Settings", "load_settings", "DEFAULT_STORE", "DEFAULT_OWNERSHIP", "POLICY_PARAMS", "LOCALES"]

DEFAULT_STORE = "sqlite:///graphcrm.db"

#: What each tier (by level) may record for the clients it covers (split authority, DESIGN 1 and 9).
DEFAULT_OWNERSHIP: dict[int, tuple[str, ...]] = {
    1: ("need", "contact"),
    2: ("assessment", "handover"),
    3: ("communication", "transaction"),
}


@dataclass(frozen=True)
class Policy:
    """The policy table of DESIGN section 4; an organisation overrides it in its config file."""

    min_per_tier: dict[str, int] = field(default_factory=lambda: {"A": 2, "B": 1, "C": 1, "ungraded": 1})
    max_silence_days: dict[str, int] = field(default_factory=lambda: {"A": 14, "B": 30, "C": 90, "ungraded": 60})
    weight: dict[str, int] = field(default_factory=lambda: {"A": 3, "B": 2, "C": 1, "ungraded": 1})
    concentration_share: float = 0.8
    concentration_window_days: int = 180
    concentration_min_interactions: int = 5
    truck_target: float = 0.5
    #: Days a client may sit in a stage: a default for every tier, and overrides by tier key.
    max_stage_days: int = 60
    max_stage_days_by_tier: dict[str, int] = field(default_factory=dict)
    missed_window_days: int = 365
    #: Clients per person when a staff member has no capacity of their own (the coverage planner's spare).
    default_capacity: int = 25
    #: The organisation's time zone (DESIGN 13, config `[organisation] timezone`): the calendar day of an
    #: interaction is its day there. It travels with the policy so that both stores answer for the same days.
    timezone: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        return zone_named(self.timezone)

    def stage_limit(self, tier_key: str | None) -> int:
        return self.max_stage_days_by_tier.get(tier_key or "", self.max_stage_days)

    def as_params(self) -> dict[str, Any]:
        """The policy as query parameters, by the names the cypher/ files declare (see POLICY_PARAMS)."""
        return {name: _copy(getattr(self, attribute)) for name, attribute in POLICY_PARAMS.items()}

    def overridden(self, params: dict[str, Any]) -> "Policy":
        """This policy with some settings replaced, given by their parameter names; checked like the config file."""
        table: dict[str, Any] = {}
        for name, value in params.items():
            if name not in POLICY_PARAMS:
                raise ParameterError(f"{name!r} is not a policy setting ({', '.join(POLICY_PARAMS)})")
            if name == "max_stage_days":
                table.setdefault("max_stage_days", {}).update(value)
            elif name == "max_stage_default":
                table.setdefault("max_stage_days", {})["default"] = value
            elif name == "timezone":
                continue                      # applied after the rest, below
            else:
                table[name] = value
        try:
            policy = _policy_from(table, "parameters", base=self)
            if "timezone" in params:
                policy = _with_timezone(policy, params["timezone"], "parameters: timezone")
            return policy
        except ConfigError as exc:
            raise ParameterError(str(exc)) from None

    def as_dict(self) -> dict[str, Any]:
        """The policy as echoed in JSON output."""
        return {
            "min_per_tier": dict(self.min_per_tier),
            "max_silence_days": dict(self.max_silence_days),
            "weight": dict(self.weight),
            "concentration_share": self.concentration_share,
            "concentration_window_days": self.concentration_window_days,
            "concentration_min_interactions": self.concentration_min_interactions,
            "truck_target": self.truck_target,
            "max_stage_days": self.max_stage_days,
            "max_stage_days_by_tier": dict(self.max_stage_days_by_tier),
            "missed_window_days": self.missed_window_days,
            "default_capacity": self.default_capacity,
            "timezone": self.timezone,
        }


#: Query parameter name -> Policy attribute, for every policy setting a query or report may take.
POLICY_PARAMS: dict[str, str] = {
    "min_per_tier": "min_per_tier",
    "max_silence_days": "max_silence_days",
    "weight": "weight",
    "concentration_share": "concentration_share",
    "concentration_window_days": "concentration_window_days",
    "concentration_min_interactions": "concentration_min_interactions",
    "truck_target": "truck_target",
    "missed_window_days": "missed_window_days",
    "max_stage_days": "max_stage_days_by_tier",
    "max_stage_default": "max_stage_days",
    "default_capacity": "default_capacity",
    "timezone": "timezone",
}


def _with_timezone(policy: Policy, name: Any, where: str) -> Policy:
    """The policy with the organisation's time zone set, refusing a name that is not an IANA zone."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: expected an IANA time zone name such as 'Asia/Shanghai'")
    try:
        zone_named(name.strip())
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return replace(policy, timezone=name.strip())


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


@dataclass(frozen=True)
class Settings:
    store_url: str = DEFAULT_STORE
    policy: Policy = field(default_factory=Policy)
    ownership: dict[int, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_OWNERSHIP))
    source: str | None = None        # the config file read, if any
    guard: Limits = field(default_factory=Limits)     # the analyst Cypher guard's bounds ([guard])
    #: `[organisation] locale` (DESIGN 13): the UI's language for everyone; None lets each browser choose.
    locale: str | None = None
    #: `[organisation] currency`: an ISO 4217 code (CNY, EUR, ...) the UI shows values in; None shows plain numbers.
    currency: str | None = None


#: The languages the UI speaks (DESIGN 13), as the config file writes them.
LOCALES = ("en", "zh-CN")


_GRADE_TABLES = ("min_per_tier", "max_silence_days", "weight")
_SCALARS = {
    "concentration_share": float,
    "concentration_window_days": int,
    "concentration_min_interactions": int,
    "truck_target": float,
    "missed_window_days": int,
    "default_capacity": int,
}


def _number(where: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if kind is int and (not float(value).is_integer()):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    if value < 0:
        raise ConfigError(f"{where}: must not be negative, got {value!r}")
    return kind(value)


def _policy_from(table: dict[str, Any], where: str, base: Policy | None = None) -> Policy:
    policy = base or Policy()
    changes: dict[str, Any] = {}
    for key, value in table.items():
        at = f"{where}: policy.{key}"
        if key in _GRADE_TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{at}: expected a table of grades A, B, C, ungraded")
            merged = dict(getattr(policy, key))
            for grade, number in value.items():
                if grade not in GRADE_ORDER:
                    raise ConfigError(f"{at}.{grade}: unknown grade (use A, B, C or ungraded)")
                merged[grade] = _number(f"{at}.{grade}", number, int)
            changes[key] = merged
        elif key in _SCALARS:
            changes[key] = _number(at, value, _SCALARS[key])
        elif key == "max_stage_days":
            if isinstance(value, dict):
                by_tier = dict(policy.max_stage_days_by_tier)
                for tier, number in value.items():
                    if tier == "default":
                        changes["max_stage_days"] = _number(f"{at}.default", number, int)
                    else:
                        by_tier[tier] = _number(f"{at}.{tier}", number, int)
                changes["max_stage_days_by_tier"] = by_tier
            else:
                changes["max_stage_days"] = _number(at, value, int)
        else:
            raise ConfigError(f"{at}: unknown policy setting")
    share = changes.get("concentration_share", policy.concentration_share)
    target = changes.get("truck_target", policy.truck_target)
    if not 0 < share <= 1:
        raise ConfigError(f"{where}: policy.concentration_share: must be in (0, 1], got {share}")
    if not 0 < target <= 1:
        raise ConfigError(f"{where}: policy.truck_target: must be in (0, 1], got {target}")
    return replace(policy, **changes)


def _ownership_from(table: dict[str, Any], where: str) -> dict[int, tuple[str, ...]]:
    allowed = {"need", "contact", "communication", "transaction", "assessment", "handover"}
    result: dict[int, tuple[str, ...]] = {}
    for level, actions in table.items():
        at = f"{where}: ownership.{level}"
        if not str(level).isdigit():
            raise ConfigError(f"{at}: keys are tier levels (1, 2, 3, ...)")
        if not isinstance(actions, list) or not all(a in allowed for a in actions):
            raise ConfigError(f"{at}: expected a list of {sorted(allowed)}")
        result[int(level)] = tuple(actions)
    return result


#: `[organisation]` settings (DESIGN 13) read so far.
_ORGANISATION_KEYS = ("timezone", "locale", "currency")


def _organisation_from(table: Any, where: str) -> dict[str, Any]:
    """The UI conventions of `[organisation]`: a locale the UI speaks and a currency Babel knows (the time zone
    travels with the policy, see _with_timezone)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: organisation: expected a table")
    for key in table:
        if key not in _ORGANISATION_KEYS:
            raise ConfigError(f"{where}: organisation.{key}: unknown setting (known: {', '.join(_ORGANISATION_KEYS)})")
    out: dict[str, Any] = {}
    if "locale" in table:
        if table["locale"] not in LOCALES:
            raise ConfigError(f"{where}: organisation.locale: expected one of {', '.join(LOCALES)}, got {table['locale']!r}")
        out["locale"] = table["locale"]
    if "currency" in table:
        from babel.numbers import list_currencies

        code = table["currency"]
        if not isinstance(code, str) or code.upper() not in list_currencies():
            raise ConfigError(f"{where}: organisation.currency: expected an ISO 4217 code such as CNY or EUR, got {code!r}")
        out["currency"] = code.upper()
    return out


def load_settings(store: str | None = None, config: str | Path | None = None,
                  environ: dict[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Read settings: --store beats GRAPHCRM_STORE beats the config file's `store` beats the default.

    The config file is --config, else GRAPHCRM_CONFIG, else ./graphcrm.toml when present.
    """
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    path: Path | None = None
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
    elif environ.get("GRAPHCRM_CONFIG"):
        path = Path(environ["GRAPHCRM_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (GRAPHCRM_CONFIG)")
    elif (cwd / "graphcrm.toml").is_file():
        path = cwd / "graphcrm.toml"
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    where = str(path) if path else "defaults"
    unknown = set(data) - {"store", "policy", "ownership", "organisation", "guard"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r} "
                          "(known: store, organisation, policy, ownership, guard)")
    policy = _policy_from(data.get("policy", {}), where)
    table = data.get("organisation", {})
    organisation = _organisation_from(table, where)
    if "timezone" in table:
        policy = _with_timezone(policy, table["timezone"], f"{where}: organisation.timezone")
    ownership = _ownership_from(data["ownership"], where) if "ownership" in data else dict(DEFAULT_OWNERSHIP)
    url = store or environ.get("GRAPHCRM_STORE") or data.get("store") or DEFAULT_STORE
    if not isinstance(url, str):
        raise ConfigError(f"{where}: store: expected a URL string")
    guard = limits_from(data["guard"], where) if "guard" in data else Limits()
    return Settings(store_url=url, policy=policy, ownership=ownership, source=str(path) if path else None, guard=guard,
                    **organisation)
