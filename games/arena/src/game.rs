//! Arena behind the engine's `Game` trait: members get a player avatar on
//! join, inputs move it, and the replicated state is every player and
//! projectile (spatial entities, so each member sees what is near it) plus
//! one score row per player. Reliable messages: none yet. Events: kills,
//! to everyone ([`ArenaEvent`]).

use glam::Vec2;
use rallypoint_game::fields::{CodecError, Reader};
use rallypoint_game::{
    Entity, EntityKey, Events, Fields, Game, Interest, LeaveReason, LobbyParams, Motion, PlayerId,
    Row, Scope, State, To, encode_value_into,
};
use rallypoint_shared::EntityId;
use serde::{Deserialize, Serialize};

use crate::movement::sanitize_input;
use crate::protocol::{ArenaEvent, InputFrame, MapInfo, aim_to_byte};
use crate::{GameConfig, GameEvent, Map, World};

/// The entity kind of players.
pub const PLAYER: u8 = 0;
/// The entity kind of projectiles.
pub const PROJECTILE: u8 = 1;

/// Arena's settings: the map every lobby plays and the rules. The rules'
/// `tick_hz` is replaced by the lobby's.
#[derive(Debug, Clone)]
pub struct ArenaConfig {
    pub map: Map,
    pub rules: GameConfig,
}

impl Default for ArenaConfig {
    /// The bundled map with the default rules.
    fn default() -> Self {
        ArenaConfig {
            map: Map::default_arena(),
            rules: GameConfig::default(),
        }
    }
}

/// Arena has no reliable client messages yet: this type has no values, so
/// every `Game` message to an arena lobby is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NoMsg {}

/// The replicated fields of an arena entity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArenaEntity {
    Player {
        /// The aim as one byte (`snapshot::aim_to_byte`).
        aim: u8,
        hp: u8,
        alive: bool,
    },
    Projectile {
        /// The owner's player slot index.
        owner: u32,
    },
}

/// A player's score row, keyed by the player's slot index. The generation
/// makes a reused slot's new player a changed row even at the same score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArenaRow {
    pub generation: u32,
    pub kills: u32,
    pub deaths: u32,
}

rallypoint_game::fields!(ArenaRow {
    generation,
    kills,
    deaths
});

/// [`ArenaEntity::Player`]'s fields as bits of a [`Fields`] mask.
pub const AIM: u32 = 1;
pub const HP: u32 = 2;
pub const ALIVE: u32 = 4;

impl Fields for ArenaEntity {
    /// A player's aim, HP and alive flag are bits 0 to 2; a projectile's
    /// owner is bit 0. Different kinds differ in every field.
    fn changed(&self, before: &Self) -> u32 {
        match (self, before) {
            (
                ArenaEntity::Player { aim, hp, alive },
                ArenaEntity::Player {
                    aim: aim0,
                    hp: hp0,
                    alive: alive0,
                },
            ) => {
                let bit = |differs: bool, bit: u32| if differs { bit } else { 0 };
                bit(aim != aim0, AIM) | bit(hp != hp0, HP) | bit(alive != alive0, ALIVE)
            }
            (ArenaEntity::Projectile { owner }, ArenaEntity::Projectile { owner: owner0 }) => {
                u32::from(owner != owner0)
            }
            _ => u32::MAX,
        }
    }

    fn write(&self, mask: u32, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match *self {
            ArenaEntity::Player { aim, hp, alive } => {
                if mask & AIM != 0 {
                    encode_value_into(&aim, out)?;
                }
                if mask & HP != 0 {
                    encode_value_into(&hp, out)?;
                }
                if mask & ALIVE != 0 {
                    encode_value_into(&alive, out)?;
                }
            }
            ArenaEntity::Projectile { owner } => {
                if mask & 1 != 0 {
                    encode_value_into(&owner, out)?;
                }
            }
        }
        Ok(())
    }

    fn read(&mut self, mask: u32, r: &mut Reader) -> Result<(), CodecError> {
        match self {
            ArenaEntity::Player { aim, hp, alive } => {
                if mask & AIM != 0 {
                    *aim = r.read()?;
                }
                if mask & HP != 0 {
                    *hp = r.read()?;
                }
                if mask & ALIVE != 0 {
                    *alive = r.read()?;
                }
            }
            ArenaEntity::Projectile { owner } => {
                if mask & 1 != 0 {
                    *owner = r.read()?;
                }
            }
        }
        Ok(())
    }

    /// The kind is the variant: [`PLAYER`] or [`PROJECTILE`].
    fn blank(kind: u8) -> Option<Self> {
        match kind {
            PLAYER => Some(ArenaEntity::Player {
                aim: 0,
                hp: 0,
                alive: false,
            }),
            PROJECTILE => Some(ArenaEntity::Projectile { owner: 0 }),
            _ => None,
        }
    }
}

/// One arena lobby's game.
#[derive(Debug, Clone)]
pub struct Arena {
    world: World,
    /// Each member's avatar, sorted by player: looked up for every input,
    /// and a lobby is small enough that a binary search beats hashing.
    avatars: Vec<(PlayerId, EntityId)>,
    /// Reused every tick: the inputs as the world takes them.
    inputs: Vec<(EntityId, InputFrame)>,
}

impl Arena {
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The avatar of `player`, while it is a member.
    pub fn avatar(&self, player: PlayerId) -> Option<EntityId> {
        let i = self.avatars.binary_search_by_key(&player, |a| a.0).ok()?;
        Some(self.avatars[i].1)
    }
}

impl Game for Arena {
    const NAME: &'static str = "arena";
    type Config = ArenaConfig;
    type Input = InputFrame;
    type Msg = NoMsg;
    type Event = ArenaEvent;
    type JoinInfo = MapInfo;
    type Entity = ArenaEntity;
    type Row = ArenaRow;
    type Singleton = ();

    /// Refuses non-finite vectors, clamps the movement and normalises the
    /// aim, and stamps the envelope's seq and acknowledged tick (the view a
    /// hitscan shot is checked against).
    fn input(seq: u32, ack_tick: u32, input: InputFrame) -> Result<InputFrame, String> {
        let input = InputFrame {
            seq,
            ack_tick,
            ..input
        };
        sanitize_input(input).map_err(|e| e.to_string())
    }

    fn create(config: &ArenaConfig, lobby: &LobbyParams) -> Self {
        let rules = GameConfig {
            tick_hz: lobby.tick_hz,
            ..config.rules.clone()
        };
        Arena {
            world: World::new(config.map.clone(), rules),
            avatars: Vec::new(),
            inputs: Vec::new(),
        }
    }

    fn label(&self) -> String {
        self.world.map().info.name.clone()
    }

    fn interest(&self) -> Option<Interest> {
        let map = self.world.map();
        Some(Interest {
            bounds: map.info.bounds,
            view_distance: map.view_distance,
        })
    }

    fn join(
        &mut self,
        _tick: u32,
        player: PlayerId,
        _: &mut Events<ArenaEvent>,
    ) -> Option<EntityKey> {
        let id = self.world.spawn_player();
        match self.avatars.binary_search_by_key(&player, |a| a.0) {
            Ok(i) => {
                // A player joins once; should it join again, its old avatar goes.
                self.world.remove_player(self.avatars[i].1);
                self.avatars[i].1 = id;
            }
            Err(i) => self.avatars.insert(i, (player, id)),
        }
        Some(EntityKey { kind: PLAYER, id })
    }

    fn leave(&mut self, _tick: u32, player: PlayerId, _: LeaveReason, _: &mut Events<ArenaEvent>) {
        if let Ok(i) = self.avatars.binary_search_by_key(&player, |a| a.0) {
            let (_, id) = self.avatars.remove(i);
            self.world.remove_player(id);
        }
    }

    fn step(
        &mut self,
        tick: u32,
        inputs: &[(PlayerId, InputFrame)],
        _msgs: &[(PlayerId, NoMsg)],
        events: &mut Events<ArenaEvent>,
    ) {
        debug_assert_eq!(tick, self.world.tick().wrapping_add(1));
        self.inputs.clear();
        for (player, input) in inputs {
            if let Some(id) = self.avatar(*player) {
                self.inputs.push((id, *input));
            }
        }
        for event in self.world.step(&self.inputs) {
            if let GameEvent::Killed { killer, victim } = event {
                let killed = ArenaEvent::Killed {
                    killer: killer.index,
                    victim: victim.index,
                };
                events.send(To::All, killed);
            }
        }
    }

    fn join_info(&self, _player: PlayerId) -> MapInfo {
        self.world.map().info.clone()
    }

    fn write_state(&self, state: &mut State<ArenaEntity, ArenaRow, ()>) {
        state.clear();
        let per_tick = 1.0 / f32::from(self.world.config().tick_hz.max(1));
        for p in self.world.players() {
            state.entities.push(Entity {
                key: EntityKey {
                    kind: PLAYER,
                    id: p.id,
                },
                motion: Some(Motion {
                    pos: p.pos,
                    vel: Vec2::ZERO,
                }),
                scope: Scope::Spatial,
                fields: ArenaEntity::Player {
                    aim: aim_to_byte(p.aim),
                    hp: p.hp,
                    alive: p.alive,
                },
            });
            state.rows.push(Row {
                key: p.id.index,
                fields: ArenaRow {
                    generation: p.id.generation,
                    kills: p.kills,
                    deaths: p.deaths,
                },
            });
        }
        for s in self.world.projectiles() {
            state.entities.push(Entity {
                key: EntityKey {
                    kind: PROJECTILE,
                    id: s.id,
                },
                motion: Some(Motion {
                    pos: s.pos,
                    vel: s.vel * per_tick,
                }),
                scope: Scope::Spatial,
                fields: ArenaEntity::Projectile {
                    owner: s.owner.index,
                },
            });
        }
    }
}
