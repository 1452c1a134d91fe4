//! Interest management: which entities of a frame one member may see. A
//! uniform grid over the game's bounds, rebuilt each tick, answers "what is
//! within the view distance of this point" by looking at a few cells
//! instead of every entity, so a 256-player lobby does not cost 256 x 256
//! checks. Entities scoped to everyone or to one member skip the grid.

use glam::{IVec2, Vec2};
use rallypoint_game::{Game, Interest, PlayerId, Scope};
use rallypoint_shared::snapshot::to_fixed;

use super::frames::Frame;

/// Most grid cells along each axis. Default: 64. Cells are at least the
/// view distance wide, so a query reads at most 3 x 3 of them; this cap
/// keeps a huge map with a tiny view distance from allocating a huge grid
/// (it then reads more cells per query instead).
pub const MAX_CELLS_PER_AXIS: i32 = 64;

/// The cells of a game with spatial interest.
#[derive(Debug)]
struct Cells {
    /// Fixed-point origin and cell size.
    origin: IVec2,
    cell: i32,
    dims: IVec2,
    /// Fixed-point view distance.
    view: i32,
    /// Indices into the frame's entities.
    cells: Vec<Vec<u32>>,
}

/// The grid of one lobby.
#[derive(Debug)]
pub struct Grid {
    /// `None` for a game without spatial interest: every spatial entity is
    /// then seen by every member.
    cells: Option<Cells>,
    /// Entities that skip the grid: scoped to everyone or to one member
    /// (and, without cells, spatial ones), as indices into the frame.
    listed: Vec<u32>,
}

/// What a member may see: indices into the frame's entities, ascending (so
/// in key order, like the frame).
pub type Visible = Vec<u32>;

impl Grid {
    /// A grid for a game's interest geometry, if it has one.
    pub fn new(interest: Option<Interest>) -> Grid {
        let cells = interest.map(|i| {
            let origin = to_fixed(i.bounds.min);
            let size = to_fixed(i.bounds.max) - origin;
            let view = to_fixed(Vec2::splat(i.view_distance)).x.max(1);
            let widest = size.max_element().max(1);
            let cell = view
                .max((widest + MAX_CELLS_PER_AXIS - 1) / MAX_CELLS_PER_AXIS)
                .max(1);
            let dims = IVec2::new(size.x / cell + 1, size.y / cell + 1);
            Cells {
                origin,
                cell,
                dims,
                view,
                cells: vec![Vec::new(); (dims.x * dims.y) as usize],
            }
        });
        Grid {
            cells,
            listed: Vec::new(),
        }
    }

    /// Files every entity of `frame` under its cell, or in the list.
    pub fn rebuild<G: Game>(&mut self, frame: &Frame<G>) {
        self.listed.clear();
        if let Some(c) = &mut self.cells {
            for cell in &mut c.cells {
                cell.clear();
            }
        }
        for (i, r) in frame.entities.iter().enumerate() {
            match (r.scope, &mut self.cells) {
                (Scope::Spatial, Some(c)) => {
                    if r.moving {
                        let slot = c.slot(c.cell_of(r.exact));
                        c.cells[slot].push(i as u32);
                    }
                }
                _ => self.listed.push(i as u32),
            }
        }
    }

    /// Everything of `frame` that `member` may see from `center` (its
    /// avatar's position, if it has one), into `out`. `frame` must be the
    /// one last passed to [`Grid::rebuild`].
    pub fn query<G: Game>(
        &self,
        frame: &Frame<G>,
        center: Option<IVec2>,
        member: PlayerId,
        out: &mut Visible,
    ) {
        out.clear();
        if let (Some(c), Some(center)) = (&self.cells, center) {
            let lo = c.cell_of(center - c.view);
            let hi = c.cell_of(center + c.view);
            let near = |pos: IVec2| (pos - center).abs().max_element() <= c.view;
            for y in lo.y..=hi.y {
                for x in lo.x..=hi.x {
                    let slot = c.slot(IVec2::new(x, y));
                    out.extend(
                        c.cells[slot]
                            .iter()
                            .filter(|&&i| near(frame.entities[i as usize].exact)),
                    );
                }
            }
        }
        out.extend(
            self.listed
                .iter()
                .filter(|&&i| match frame.entities[i as usize].scope {
                    Scope::Only(p) => p == member,
                    Scope::Everyone | Scope::Spatial => true,
                }),
        );
        out.sort_unstable();
    }
}

impl Cells {
    fn cell_of(&self, pos: IVec2) -> IVec2 {
        ((pos - self.origin) / self.cell).clamp(IVec2::ZERO, self.dims - 1)
    }

    fn slot(&self, c: IVec2) -> usize {
        (c.y * self.dims.x + c.x) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::Frames;
    use super::*;
    use rallypoint_arena::{Arena, ArenaEntity, PLAYER, PROJECTILE};
    use rallypoint_game::{Entity, EntityId, EntityKey, Motion, State};
    use rallypoint_shared::Rect;

    fn interest(view: f32) -> Interest {
        Interest {
            bounds: Rect {
                min: Vec2::ZERO,
                max: Vec2::new(4000.0, 4000.0),
            },
            view_distance: view,
        }
    }

    fn entity(kind: u8, index: u32, pos: Vec2, scope: Scope) -> Entity<ArenaEntity> {
        Entity {
            key: EntityKey {
                kind,
                id: EntityId {
                    index,
                    generation: 1,
                },
            },
            motion: Some(Motion {
                pos,
                vel: Vec2::ZERO,
            }),
            scope,
            fields: ArenaEntity::Projectile { owner: 0 },
        }
    }

    /// The grid's answer must equal a brute-force scan, for every player.
    #[test]
    fn query_matches_brute_force() {
        let mut state = State::default();
        for i in 0..200u32 {
            // A deterministic scatter over the map, edges included.
            let pos = Vec2::new((i * 7919 % 4001) as f32, (i * 104_729 % 4001) as f32);
            state.entities.push(entity(PLAYER, i, pos, Scope::Spatial));
        }
        for i in 0..100u32 {
            let pos = Vec2::new((i * 37 % 4000) as f32, (i * 91 % 4000) as f32);
            state
                .entities
                .push(entity(PROJECTILE, i, pos, Scope::Spatial));
        }
        let mut frames = Frames::<Arena>::new();
        frames.push(1, &state);
        let frame = frames.newest().unwrap();
        for view in [64.0, 800.0, 5000.0] {
            let mut grid = Grid::new(Some(interest(view)));
            grid.rebuild(frame);
            let mut out = Visible::default();
            let v = to_fixed(Vec2::splat(view)).x;
            for p in frame.entities.iter().filter(|r| r.key.kind == PLAYER) {
                grid.query(frame, Some(p.exact), PlayerId(1), &mut out);
                let near = |pos: IVec2| (pos - p.exact).abs().max_element() <= v;
                let want: Vec<u32> = (0..frame.entities.len() as u32)
                    .filter(|&i| near(frame.entities[i as usize].exact))
                    .collect();
                assert_eq!(out, want, "view {view}");
            }
        }
    }

    #[test]
    fn scopes_other_than_spatial_skip_the_grid() {
        let far = Vec2::new(3900.0, 3900.0);
        let state = State {
            entities: vec![
                entity(0, 0, Vec2::ZERO, Scope::Spatial),
                entity(0, 1, far, Scope::Spatial),
                entity(0, 2, far, Scope::Everyone),
                entity(0, 3, far, Scope::Only(PlayerId(7))),
            ],
            rows: Vec::new(),
            singleton: None,
        };
        let mut frames = Frames::<Arena>::new();
        frames.push(1, &state);
        let frame = frames.newest().unwrap();
        let mut grid = Grid::new(Some(interest(100.0)));
        grid.rebuild(frame);
        let mut out = Visible::default();
        grid.query(frame, Some(IVec2::ZERO), PlayerId(7), &mut out);
        assert_eq!(out, [0, 2, 3]);
        grid.query(frame, Some(IVec2::ZERO), PlayerId(8), &mut out);
        assert_eq!(out, [0, 2]);
        // No avatar: only what skips the grid.
        grid.query(frame, None, PlayerId(8), &mut out);
        assert_eq!(out, [2]);
        // A game without spatial interest shows every spatial entity.
        let mut flat = Grid::new(None);
        flat.rebuild(frame);
        flat.query(frame, None, PlayerId(8), &mut out);
        assert_eq!(out, [0, 1, 2]);
    }

    #[test]
    fn the_grid_is_capped_for_tiny_views() {
        let grid = Grid::new(Some(interest(64.0)));
        let dims = grid.cells.unwrap().dims;
        assert!(dims.max_element() <= MAX_CELLS_PER_AXIS + 1);
    }
}
