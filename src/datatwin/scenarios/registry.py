"""The worlds and typologies a scenario file may name: one table each, not an if-chain."""

from __future__ import annotations

from datatwin.errors import ConfigError
from datatwin.scenarios.cyber import BeaconingTypology, BruteForce, Exfiltration, LateralMovement, PasswordSpraying
from datatwin.scenarios.fraud import AccountTakeover, CardTesting, MuleNetwork, PushPaymentScam
from datatwin.scenarios.laundering import LayeringCycle, ScatterGather, Structuring
from datatwin.scenarios.network import NetworkWorld
from datatwin.scenarios.payments import PaymentsWorld
from datatwin.scenarios.typology import Typology
from datatwin.scenarios.world import World

WORLDS: dict[str, type[World]] = {world.name: world for world in (PaymentsWorld, NetworkWorld)}
TYPOLOGIES: dict[str, type[Typology]] = {
    typology.name: typology
    for typology in (
        CardTesting,
        AccountTakeover,
        MuleNetwork,
        PushPaymentScam,
        Structuring,
        LayeringCycle,
        ScatterGather,
        PasswordSpraying,
        BruteForce,
        LateralMovement,
        BeaconingTypology,
        Exfiltration,
    )
}


def world_class(name: str, where: str) -> type[World]:
    """The world called ``name``.

    Raises
    ------
    ConfigError
        Naming the allowed worlds.
    """
    if name not in WORLDS:
        raise ConfigError(f"{where}: unknown world {name!r}; allowed: {', '.join(WORLDS)}.")
    return WORLDS[name]


def typology_class(name: str, world: str, where: str) -> type[Typology]:
    """The typology called ``name``, which must belong to ``world``.

    Raises
    ------
    ConfigError
        Naming the typologies allowed in that world.
    """
    allowed = [t.name for t in TYPOLOGIES.values() if t.world == world]
    if name not in TYPOLOGIES:
        raise ConfigError(f"{where}: unknown typology {name!r}; allowed in the {world} world: {', '.join(allowed)}.")
    if TYPOLOGIES[name].world != world:
        raise ConfigError(
            f"{where}: typology {name!r} belongs to the {TYPOLOGIES[name].world} world, not {world}; "
            f"allowed here: {', '.join(allowed)}."
        )
    return TYPOLOGIES[name]
