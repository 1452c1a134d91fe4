//! Fixtures for Rallypoint's criterion benches: an arena [`World`] filled
//! with a given number of players on a map sized for them, [`Bots`], a
//! deterministic stand-in for real players' inputs, and [`Lobby`], a whole
//! lobby's tick as the engine runs it, through the `Game` trait. Everything
//! is seeded, so every run of a bench measures exactly the same work.
//!
//! Lobbies of up to 16 players use the bundled "arena"; larger ones use
//! [`large_map`], built here in code and validated like any map file.

use std::hint::black_box;

use glam::Vec2;
use rallypoint_arena::movement::sanitize_input;
use rallypoint_arena::{Arena, ArenaConfig, ArenaEvent, GameConfig, InputFrame, Map, NoMsg, World};
use rallypoint_game::{EntityKey, Events, Game, LobbyParams, PlayerId, State};
use rallypoint_server::outbox::Outbox;
use rallypoint_server::replication::{Encoder, Frames, Grid, Replica, SnapshotKind, Viewer};
use rallypoint_shared::EntityId;

/// The most players the bundled arena is meant for.
pub const ARENA_PLAYERS: usize = 16;

/// The 4000 x 4000 map for 256 players, `games/arena/maps/large.toml`: an
/// 8 x 8 grid of 80-unit pillars and a 16 x 16 grid of spawn points.
pub fn large_map() -> Map {
    Map::from_toml_str(include_str!("../../games/arena/maps/large.toml"))
        .expect("games/arena/maps/large.toml is valid")
}

/// The map a lobby of `players` plays: the bundled arena up to
/// [`ARENA_PLAYERS`], else [`large_map`].
pub fn map_for(players: usize) -> Map {
    if players <= ARENA_PLAYERS {
        Map::default_arena()
    } else {
        large_map()
    }
}

/// A world with `players` players spawned on a map that fits them, with the
/// default rules, and their ids in spawn order.
pub fn populated_world(players: usize) -> (World, Vec<EntityId>) {
    let mut world = World::new(map_for(players), GameConfig::default());
    let ids = (0..players).map(|_| world.spawn_player()).collect();
    (world, ids)
}

/// Deterministic bots: each walks a heading it changes now and then, aims
/// in a slowly turning direction, holds fire half the time and fires the
/// instant-hit weapon one tick in eight (acking the world's current tick,
/// so every shot is rewound), so the world sees movement, wall collisions,
/// projectiles, hitscan and hits as in real play.
pub struct Bots {
    rng: XorShift,
    seq: u32,
    /// Per bot: (walking heading, aim angle in radians).
    bots: Vec<(Vec2, f32)>,
}

impl Bots {
    pub fn new(seed: u64) -> Bots {
        Bots {
            rng: XorShift::new(seed),
            seq: 0,
            bots: Vec::new(),
        }
    }

    /// Clears `out` and fills it with one sanitised input per id, as a
    /// lobby would hand them to [`World::step`]. `ack_tick` is what every
    /// bot claims to have seen: pass [`World::tick`].
    pub fn fill<K: Copy>(&mut self, ids: &[K], ack_tick: u32, out: &mut Vec<(K, InputFrame)>) {
        self.seq = self.seq.wrapping_add(1);
        while self.bots.len() < ids.len() {
            let heading = self.random_direction();
            self.bots.push((heading, 0.0));
        }
        out.clear();
        for (i, &id) in ids.iter().enumerate() {
            // About every 16 ticks, half a second at 30 Hz, pick a new heading.
            if self.rng.next().is_multiple_of(16) {
                self.bots[i].0 = self.random_direction();
            }
            let turn = self.rng.signed_unit() * 0.3;
            let (heading, angle) = &mut self.bots[i];
            *angle += turn;
            let raw = InputFrame {
                seq: self.seq,
                movement: *heading,
                aim: Vec2::from_angle(*angle),
                fire: self.rng.next().is_multiple_of(2),
                hitscan: self.rng.next().is_multiple_of(8),
                ack_tick,
            };
            if let Ok(input) = sanitize_input(raw) {
                out.push((id, input));
            }
        }
    }

    fn random_direction(&mut self) -> Vec2 {
        Vec2::from_angle(self.rng.signed_unit() * std::f32::consts::PI)
    }
}

/// A whole lobby's tick as the server runs it, with every player a client:
/// bots' inputs, the arena game's step through the `Game` trait, then
/// replication (its declared state into a frame, interest grid, one
/// snapshot per client). Each client acknowledges every snapshot at
/// once, so from the second tick on every snapshot is a delta against the
/// previous tick, as on a good link.
pub struct Lobby {
    pub game: Arena,
    pub tick: u32,
    /// Each client's player and avatar.
    pub members: Vec<(PlayerId, EntityKey)>,
    players: Vec<PlayerId>,
    bots: Bots,
    inputs: Vec<(PlayerId, InputFrame)>,
    events: Events<ArenaEvent>,
    state: State<rallypoint_arena::ArenaEntity, rallypoint_arena::ArenaRow, ()>,
    frames: Frames<Arena>,
    grid: Grid,
    encoder: Encoder<Arena>,
    replicas: Vec<Replica>,
    /// One per client, without a socket: a push queues a copy, which the
    /// bench then takes off as the writer would.
    outboxes: Vec<Outbox>,
    buf: Vec<u8>,
    /// Snapshot bytes encoded so far, full and delta.
    pub full_bytes: u64,
    pub delta_bytes: u64,
    pub snapshots: u64,
}

impl Lobby {
    /// An arena lobby of `players` members on a map that fits them (see
    /// [`map_for`]), with one client per member.
    pub fn new(players: usize, seed: u64) -> Lobby {
        let config = ArenaConfig {
            map: map_for(players),
            rules: GameConfig::default(),
        };
        let params = LobbyParams {
            tick_hz: 30,
            max_players: 255,
        };
        let mut game = Arena::create(&config, &params);
        let mut events = Events::new();
        let members: Vec<(PlayerId, EntityKey)> = (1..=players as u64)
            .map(|i| {
                let avatar = game.join(0, PlayerId(i), &mut events);
                (PlayerId(i), avatar.expect("arena gives an avatar"))
            })
            .collect();
        let grid = Grid::new(game.interest());
        Lobby {
            replicas: members.iter().map(|_| Replica::new()).collect(),
            outboxes: members.iter().map(|_| Outbox::new()).collect(),
            players: members.iter().map(|m| m.0).collect(),
            members,
            game,
            tick: 0,
            bots: Bots::new(seed),
            inputs: Vec::new(),
            events,
            state: State::default(),
            frames: Frames::new(),
            grid,
            encoder: Encoder::new(),
            buf: Vec::new(),
            full_bytes: 0,
            delta_bytes: 0,
            snapshots: 0,
        }
    }

    /// Steps the game one tick and builds its frame and grid.
    pub fn step(&mut self) {
        self.bots.fill(&self.players, self.tick, &mut self.inputs);
        self.tick += 1;
        self.game.step(
            self.tick,
            &self.inputs,
            &[] as &[(PlayerId, NoMsg)],
            &mut self.events,
        );
        black_box(self.events.drain());
        self.game.write_state(&mut self.state);
        self.frames.push(self.tick, &self.state);
        if let Some(frame) = self.frames.newest() {
            self.grid.rebuild(frame);
        }
    }

    /// Encodes every client's snapshot of the newest tick, then has each
    /// acknowledge it. Returns the bytes encoded.
    pub fn encode_all(&mut self) -> usize {
        self.encode_each(false)
    }

    /// As [`Lobby::encode_all`], and queues each snapshot in its client's
    /// outbox (as the server's tick does), then takes it off again.
    pub fn encode_and_queue_all(&mut self) -> usize {
        self.encode_each(true)
    }

    fn encode_each(&mut self, queue: bool) -> usize {
        let mut total = 0;
        let tick = self.tick;
        let clients = self
            .replicas
            .iter_mut()
            .zip(&self.members)
            .zip(&self.outboxes);
        for ((replica, &(player, avatar)), outbox) in clients {
            let viewer = Viewer {
                player,
                avatar: Some(avatar),
                last_input_seq: tick,
            };
            let kind = self
                .encoder
                .encode(&self.frames, &self.grid, replica, viewer, &mut self.buf)
                .expect("snapshot encodes");
            match kind {
                Some(SnapshotKind::Full) => self.full_bytes += self.buf.len() as u64,
                Some(SnapshotKind::Delta { .. }) => self.delta_bytes += self.buf.len() as u64,
                None => continue,
            }
            if queue {
                outbox.push_snapshot(&self.buf);
                black_box(outbox.try_pop());
            }
            self.snapshots += 1;
            total += self.buf.len();
            replica.ack(tick);
        }
        total
    }

    /// The snapshot last encoded (the last client's).
    pub fn last_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// xorshift64: tiny, fast and deterministic; statistical quality is beside
/// the point for driving bots.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // Zero is xorshift's one fixed point.
        XorShift(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [-1, 1).
    fn signed_unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_map_fits_256_players() {
        assert_eq!(large_map().spawns.len(), 256);
        let (world, ids) = populated_world(256);
        assert_eq!((world.player_count(), ids.len()), (256, 256));
    }

    #[test]
    fn a_lobby_sends_one_full_snapshot_then_deltas() {
        let mut lobby = Lobby::new(16, 3);
        lobby.step();
        let first = lobby.encode_all();
        for _ in 0..30 {
            lobby.step();
            lobby.encode_all();
        }
        assert_eq!(lobby.snapshots, 31 * 16);
        assert_eq!(lobby.full_bytes as usize, first);
        assert!(lobby.delta_bytes < lobby.full_bytes * 30 / 2);
    }

    #[test]
    fn bots_are_deterministic_and_busy() {
        let (mut world, ids) = populated_world(16);
        let (mut a, mut b) = (Bots::new(7), Bots::new(7));
        let (mut ia, mut ib) = (Vec::new(), Vec::new());
        let mut fired = 0;
        for _ in 0..100 {
            a.fill(&ids, world.tick(), &mut ia);
            b.fill(&ids, world.tick(), &mut ib);
            assert_eq!(ia, ib);
            assert_eq!(ia.len(), ids.len());
            fired += world.step(&ia).len();
        }
        assert!(fired > 100, "{fired} events");
    }
}
