//! Arena behind the engine's `Game` trait: members get a player avatar on
//! join, inputs move it, and the replicated state is every player and
//! projectile (spatial entities, so each member sees what is near it) plus
//! one score row per player. Reliable messages: none yet. Events: the
//! world's [`GameEvent`]s, to everyone.

use glam::{IVec2, Vec2};
use rallypoint_game::{
    Entity, EntityKey, Events, Fields, Game, Interest, LeaveReason, LobbyParams, Motion, PlayerId,
    Row, Scope, State, To, Wire4,
};
use rallypoint_shared::movement::sanitize_input;
use rallypoint_shared::snapshot::{Change, Track, aim_to_byte};
use rallypoint_shared::{CodecError, EntityId, InputFrame, MapInfo, encode_change_into};

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

/// Arena has no reliable client messages yet: this type has no values.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    type Event = GameEvent;
    type JoinInfo = MapInfo;
    type Entity = ArenaEntity;
    type Row = ArenaRow;
    type Singleton = ();

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
        _: &mut Events<GameEvent>,
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

    fn leave(&mut self, _tick: u32, player: PlayerId, _: LeaveReason, _: &mut Events<GameEvent>) {
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
        events: &mut Events<GameEvent>,
    ) {
        debug_assert_eq!(tick, self.world.tick().wrapping_add(1));
        self.inputs.clear();
        for (player, input) in inputs {
            if let Some(id) = self.avatar(*player) {
                self.inputs.push((id, *input));
            }
        }
        for event in self.world.step(&self.inputs) {
            events.send(To::All, event);
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

/// Appends the changes and returns how many.
fn put(changes: &[Change], out: &mut Vec<u8>) -> Result<u32, CodecError> {
    for c in changes {
        encode_change_into(c, out)?;
    }
    Ok(changes.len() as u32)
}

impl Wire4 for Arena {
    fn input(frame: InputFrame) -> Result<InputFrame, String> {
        sanitize_input(frame).map_err(|e| e.to_string())
    }

    fn map_info(info: &MapInfo) -> MapInfo {
        info.clone()
    }

    fn enter(
        key: EntityKey,
        track: Option<Track>,
        fields: &ArenaEntity,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError> {
        let (index, track) = (key.id.index, track.unwrap_or_default());
        let change = match *fields {
            ArenaEntity::Player { aim, hp, alive } => Change::PlayerEnter {
                index,
                track,
                aim,
                hp,
                alive,
            },
            ArenaEntity::Projectile { owner } => Change::ProjectileEnter {
                index,
                owner,
                track,
            },
        };
        put(&[change], out)
    }

    fn motion(
        key: EntityKey,
        offset: IVec2,
        vel: IVec2,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError> {
        let index = key.id.index;
        let change = if key.kind == PLAYER {
            Change::PlayerMotion { index, offset, vel }
        } else {
            Change::ProjectileMotion { index, offset, vel }
        };
        put(&[change], out)
    }

    /// v4 spells a player's aim alone and its HP with its alive flag; a
    /// projectile's owner never changes, so it has no spelling.
    fn fields(
        key: EntityKey,
        changed: u32,
        now: &ArenaEntity,
        out: &mut Vec<u8>,
    ) -> Result<u32, CodecError> {
        let index = key.id.index;
        let ArenaEntity::Player { aim, hp, alive } = *now else {
            return Ok(0);
        };
        let mut n = 0;
        if changed & AIM != 0 {
            n += put(&[Change::PlayerAim { index, aim }], out)?;
        }
        if changed & (HP | ALIVE) != 0 {
            n += put(&[Change::PlayerHealth { index, hp, alive }], out)?;
        }
        Ok(n)
    }

    fn hidden(key: EntityKey, out: &mut Vec<u8>) -> Result<u32, CodecError> {
        let index = key.id.index;
        if key.kind == PLAYER {
            put(&[Change::PlayerHidden { index }], out)
        } else {
            put(&[Change::ProjectileGone { index }], out)
        }
    }

    fn gone(key: EntityKey, out: &mut Vec<u8>) -> Result<u32, CodecError> {
        if key.kind == PLAYER {
            Ok(0) // its score row's `PlayerLeft` removes it
        } else {
            put(
                &[Change::ProjectileGone {
                    index: key.id.index,
                }],
                out,
            )
        }
    }

    /// v4's `Score` carries the whole row.
    fn row(key: u32, _changed: u32, row: &ArenaRow, out: &mut Vec<u8>) -> Result<u32, CodecError> {
        let change = Change::Score {
            index: key,
            kills: row.kills,
            deaths: row.deaths,
        };
        put(&[change], out)
    }

    fn row_gone(key: u32, out: &mut Vec<u8>) -> Result<u32, CodecError> {
        put(&[Change::PlayerLeft { index: key }], out)
    }

    fn singleton(_: u32, _: &(), _: &mut Vec<u8>) -> Result<u32, CodecError> {
        Ok(0)
    }
}
