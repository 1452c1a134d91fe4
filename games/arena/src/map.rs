//! Maps: the arena's geometry and spawn points, loaded from TOML and
//! validated once, so the simulation can trust every number it is given.
//! This module owns the map file format (documented at the top of
//! `games/arena/maps/arena.toml`), its limits, and the bundled default map.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::movement::{PLAYER_RADIUS, circle_overlaps_rect, snap};
use crate::protocol::MapInfo;
use glam::Vec2;
use rallypoint_shared::Rect;
use rallypoint_shared::snapshot::MAX_COORDINATE;
use serde::Deserialize;

/// The bundled default map, "arena", so the server runs without any files.
pub const DEFAULT_MAP_TOML: &str = include_str!("../maps/arena.toml");

/// Most walls a map may have. Default: 256. Every player sub-step and every
/// projectile tests every wall, so the wall count multiplies the cost of a
/// tick; 256 is far more cover than a hand-made arena needs. It also bounds
/// the map geometry sent in `Joined` (16 bytes a wall, about 4 KiB).
pub const MAX_WALLS: usize = 256;

/// Most spawn points a map may have. Default: 256, one per player of the
/// largest lobby. Choosing a spawn point measures each one against every
/// living player, so this bounds the cost of a (re)spawn.
pub const MAX_SPAWNS: usize = 256;

/// Longest map name, in bytes. Default: 32, the same as a lobby name: it is
/// shown next to one in every lobby list.
pub const MAX_NAME_BYTES: usize = 32;

/// Thinnest a wall may be on either axis. Default: one player radius, the
/// thickness `crate::movement` guarantees a player can never
/// tunnel through, whatever the tick rate.
pub const MIN_WALL_THICKNESS: f32 = PLAYER_RADIUS;

/// How far a player sees when the map file does not say, in world units
/// from its centre along each axis (a square view). Default: 1000, a
/// 2000 x 2000 window: more than a 1080p screen shows at 1:1, so a client
/// can draw a margin. Snapshots carry only what is in view (see
/// `lobby::replication`).
pub const DEFAULT_VIEW_DISTANCE: f32 = 1000.0;

/// Smallest view distance a map may set. Default: 64 units, four player
/// radii: below it a player could not see who it is touching.
pub const MIN_VIEW_DISTANCE: f32 = 64.0;

/// A validated map: the geometry clients receive plus the spawn points only
/// the server needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub info: MapInfo,
    /// Where players (re)appear: player centres, each clear of walls and
    /// inside the bounds, on the wire's fixed-point grid.
    pub spawns: Vec<Vec2>,
    /// How far a player sees along each axis, in world units; what lies
    /// beyond is never sent to it.
    pub view_distance: f32,
}

/// A part of a map that failed validation, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapItem {
    Bounds,
    Wall(usize),
    Spawn(usize),
}

impl fmt::Display for MapItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapItem::Bounds => f.write_str("bounds"),
            MapItem::Wall(i) => write!(f, "wall #{i}"),
            MapItem::Spawn(i) => write!(f, "spawn #{i}"),
        }
    }
}

/// Why a map could not be loaded. Indices count from 0 in file order.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("cannot read map file {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("map file is not TOML of the expected shape")]
    Parse(#[from] toml::de::Error),
    #[error("map name must be 1 to {MAX_NAME_BYTES} bytes, got {len}")]
    BadName { len: usize },
    #[error("{0} has a non-finite coordinate")]
    NonFinite(MapItem),
    #[error("{0} is empty or inverted: min must be below max on both axes")]
    EmptyRect(MapItem),
    #[error("wall #{index} is thinner than {MIN_WALL_THICKNESS} units")]
    WallTooThin { index: usize },
    #[error("map has {count} walls, more than the limit of {MAX_WALLS}")]
    TooManyWalls { count: usize },
    #[error("map has no spawn points")]
    NoSpawns,
    #[error("map has {count} spawn points, more than the limit of {MAX_SPAWNS}")]
    TooManySpawns { count: usize },
    #[error("spawn #{index} does not keep a whole player inside the bounds")]
    SpawnOutOfBounds { index: usize },
    #[error("spawn #{spawn} overlaps wall #{wall}")]
    SpawnInWall { spawn: usize, wall: usize },
    #[error("{0} has a coordinate beyond +/-{MAX_COORDINATE}")]
    OutOfRange(MapItem),
    #[error("view_distance must be at least {MIN_VIEW_DISTANCE}, got {0}")]
    BadViewDistance(f32),
}

/// The file format, before validation. Unknown keys are refused so a typo
/// (`wall` for `walls`) fails loudly instead of silently dropping cover.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    name: String,
    bounds: RectFile,
    #[serde(default)]
    walls: Vec<RectFile>,
    // Defaulted so a missing list is reported as `NoSpawns`, not a parse error.
    #[serde(default)]
    spawns: Vec<[f32; 2]>,
    view_distance: Option<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RectFile {
    min: [f32; 2],
    max: [f32; 2],
}

impl From<RectFile> for Rect {
    fn from(r: RectFile) -> Rect {
        Rect {
            min: Vec2::from(r.min),
            max: Vec2::from(r.max),
        }
    }
}

impl Map {
    /// Builds a map from parts, validating it as a map file would be.
    /// Spawn points are snapped to the wire's fixed-point grid, where all
    /// player positions live. The view distance is the default.
    pub fn new(info: MapInfo, spawns: Vec<Vec2>) -> Result<Map, MapError> {
        Map::with_view_distance(info, spawns, DEFAULT_VIEW_DISTANCE)
    }

    /// [`Map::new`] with a view distance.
    pub fn with_view_distance(
        info: MapInfo,
        spawns: Vec<Vec2>,
        view_distance: f32,
    ) -> Result<Map, MapError> {
        let mut map = Map {
            info,
            spawns,
            view_distance,
        };
        // Before snapping too: snapping would turn an infinite spawn finite.
        map.validate()?;
        for spawn in &mut map.spawns {
            *spawn = snap(*spawn);
        }
        map.validate()?;
        Ok(map)
    }

    /// Parses and validates a map file's text.
    pub fn from_toml_str(text: &str) -> Result<Map, MapError> {
        let file: MapFile = toml::from_str(text)?;
        let info = MapInfo {
            name: file.name,
            bounds: file.bounds.into(),
            walls: file.walls.into_iter().map(Rect::from).collect(),
        };
        Map::with_view_distance(
            info,
            file.spawns.into_iter().map(Vec2::from).collect(),
            file.view_distance.unwrap_or(DEFAULT_VIEW_DISTANCE),
        )
    }

    /// Reads, parses and validates a map file.
    pub fn load(path: impl AsRef<Path>) -> Result<Map, MapError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MapError::Io {
            path: path.to_owned(),
            source,
        })?;
        Map::from_toml_str(&text)
    }

    /// The bundled "arena" map.
    pub fn default_arena() -> Map {
        // Cannot fail at run time: `default_map_is_valid` tests this very text.
        Map::from_toml_str(DEFAULT_MAP_TOML).expect("the bundled arena map is valid")
    }

    /// Checks every rule a map file must follow; see [`MapError`].
    pub fn validate(&self) -> Result<(), MapError> {
        let len = self.info.name.len();
        if len == 0 || len > MAX_NAME_BYTES {
            return Err(MapError::BadName { len });
        }
        check_rect(&self.info.bounds, MapItem::Bounds)?;
        // Not `<`: a NaN must fail too.
        if !(self.view_distance >= MIN_VIEW_DISTANCE && self.view_distance.is_finite()) {
            return Err(MapError::BadViewDistance(self.view_distance));
        }
        self.validate_walls()?;
        self.validate_spawns()
    }

    fn validate_walls(&self) -> Result<(), MapError> {
        let count = self.info.walls.len();
        if count > MAX_WALLS {
            return Err(MapError::TooManyWalls { count });
        }
        for (index, wall) in self.info.walls.iter().enumerate() {
            check_rect(wall, MapItem::Wall(index))?;
            if (wall.max - wall.min).min_element() < MIN_WALL_THICKNESS {
                return Err(MapError::WallTooThin { index });
            }
        }
        Ok(())
    }

    fn validate_spawns(&self) -> Result<(), MapError> {
        let count = self.spawns.len();
        if count == 0 {
            return Err(MapError::NoSpawns);
        }
        if count > MAX_SPAWNS {
            return Err(MapError::TooManySpawns { count });
        }
        let bounds = &self.info.bounds;
        let lo = bounds.min + Vec2::splat(PLAYER_RADIUS);
        let hi = bounds.max - Vec2::splat(PLAYER_RADIUS);
        for (index, &spawn) in self.spawns.iter().enumerate() {
            if !spawn.is_finite() {
                return Err(MapError::NonFinite(MapItem::Spawn(index)));
            }
            if !(spawn.cmpge(lo).all() && spawn.cmple(hi).all()) {
                return Err(MapError::SpawnOutOfBounds { index });
            }
            let blocked = self
                .info
                .walls
                .iter()
                .position(|wall| circle_overlaps_rect(spawn, PLAYER_RADIUS, wall));
            if let Some(wall) = blocked {
                return Err(MapError::SpawnInWall { spawn: index, wall });
            }
        }
        Ok(())
    }
}

fn check_rect(rect: &Rect, item: MapItem) -> Result<(), MapError> {
    if !(rect.min.is_finite() && rect.max.is_finite()) {
        return Err(MapError::NonFinite(item));
    }
    if !rect.min.cmplt(rect.max).all() {
        return Err(MapError::EmptyRect(item));
    }
    if rect.min.abs().max(rect.max.abs()).max_element() > MAX_COORDINATE {
        return Err(MapError::OutOfRange(item));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
