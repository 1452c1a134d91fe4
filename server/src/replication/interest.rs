//! Interest management: which entities of a frame one client may see. A
//! uniform grid over the map, rebuilt each tick, answers "what is within
//! the view distance of this point" by looking at a few cells instead of
//! every entity, so a 256-player lobby does not cost 256 x 256 checks.

use glam::{IVec2, Vec2};
use rallypoint_shared::Rect;
use rallypoint_shared::snapshot::to_fixed;

use super::frames::Frame;

/// Most grid cells along each axis. Default: 64. Cells are at least the
/// view distance wide, so a query reads at most 3 x 3 of them; this cap
/// keeps a huge map with a tiny view distance from allocating a huge grid
/// (it then reads more cells per query instead).
pub const MAX_CELLS_PER_AXIS: i32 = 64;

/// The grid of one lobby. Cells hold indices into the frame's lists.
#[derive(Debug)]
pub struct Grid {
    /// Fixed-point map origin and cell size.
    origin: IVec2,
    cell: i32,
    dims: IVec2,
    /// Fixed-point view distance.
    view: i32,
    players: Vec<Vec<u32>>,
    projectiles: Vec<Vec<u32>>,
}

/// What a client may see: indices into the frame's lists, ascending (so
/// in slot-index order, like the frame).
#[derive(Debug, Default, Clone)]
pub struct Visible {
    pub players: Vec<u32>,
    pub projectiles: Vec<u32>,
}

impl Grid {
    /// A grid over `bounds` for views of `view_distance` world units.
    pub fn new(bounds: &Rect, view_distance: f32) -> Grid {
        let origin = to_fixed(bounds.min);
        let size = to_fixed(bounds.max) - origin;
        let view = to_fixed(Vec2::splat(view_distance)).x.max(1);
        let widest = size.max_element().max(1);
        let cell = view
            .max((widest + MAX_CELLS_PER_AXIS - 1) / MAX_CELLS_PER_AXIS)
            .max(1);
        let dims = IVec2::new(size.x / cell + 1, size.y / cell + 1);
        let n = (dims.x * dims.y) as usize;
        Grid {
            origin,
            cell,
            dims,
            view,
            players: vec![Vec::new(); n],
            projectiles: vec![Vec::new(); n],
        }
    }

    fn cell_of(&self, pos: IVec2) -> IVec2 {
        ((pos - self.origin) / self.cell).clamp(IVec2::ZERO, self.dims - 1)
    }

    fn slot(&self, c: IVec2) -> usize {
        (c.y * self.dims.x + c.x) as usize
    }

    /// Files every entity of `frame` under its cell.
    pub fn rebuild(&mut self, frame: &Frame) {
        for cell in self.players.iter_mut().chain(&mut self.projectiles) {
            cell.clear();
        }
        for (i, p) in frame.players.iter().enumerate() {
            let slot = self.slot(self.cell_of(p.exact));
            self.players[slot].push(i as u32);
        }
        for (i, p) in frame.projectiles.iter().enumerate() {
            let slot = self.slot(self.cell_of(p.exact));
            self.projectiles[slot].push(i as u32);
        }
    }

    /// Everything of `frame` within the view distance of `center` along
    /// both axes (a square view), into `out`. `frame` must be the one last
    /// passed to [`Grid::rebuild`].
    pub fn query(&self, frame: &Frame, center: IVec2, out: &mut Visible) {
        out.players.clear();
        out.projectiles.clear();
        let lo = self.cell_of(center - self.view);
        let hi = self.cell_of(center + self.view);
        let near = |pos: IVec2| (pos - center).abs().max_element() <= self.view;
        for y in lo.y..=hi.y {
            for x in lo.x..=hi.x {
                let slot = self.slot(IVec2::new(x, y));
                out.players.extend(
                    self.players[slot]
                        .iter()
                        .filter(|&&i| near(frame.players[i as usize].exact)),
                );
                out.projectiles.extend(
                    self.projectiles[slot]
                        .iter()
                        .filter(|&&i| near(frame.projectiles[i as usize].exact)),
                );
            }
        }
        out.players.sort_unstable();
        out.projectiles.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::Frames;
    use super::*;
    use rallypoint_shared::{EntityId, PlayerState, ProjectileState};

    fn bounds() -> Rect {
        Rect {
            min: Vec2::ZERO,
            max: Vec2::new(4000.0, 4000.0),
        }
    }

    fn id(index: u32) -> EntityId {
        EntityId {
            index,
            generation: 1,
        }
    }

    /// The grid's answer must equal a brute-force scan, for every player.
    #[test]
    fn query_matches_brute_force() {
        let mut players = Vec::new();
        for i in 0..200u32 {
            // A deterministic scatter over the map, edges included.
            let x = (i * 7919 % 4001) as f32;
            let y = (i * 104_729 % 4001) as f32;
            players.push(PlayerState {
                id: id(i),
                pos: Vec2::new(x, y),
                aim: Vec2::X,
                hp: 100,
                alive: true,
                kills: 0,
                deaths: 0,
            });
        }
        let projectiles: Vec<_> = (0..100u32)
            .map(|i| ProjectileState {
                id: id(i),
                owner: id(0),
                pos: Vec2::new((i * 37 % 4000) as f32, (i * 91 % 4000) as f32),
                vel: Vec2::X,
            })
            .collect();
        let mut frames = Frames::new();
        frames.push(1, &players, &projectiles, 30);
        let frame = frames.newest().unwrap();
        for view in [64.0, 800.0, 5000.0] {
            let mut grid = Grid::new(&bounds(), view);
            grid.rebuild(frame);
            let mut out = Visible::default();
            let v = to_fixed(Vec2::splat(view)).x;
            for p in &frame.players {
                grid.query(frame, p.exact, &mut out);
                let near = |pos: IVec2| (pos - p.exact).abs().max_element() <= v;
                let want: Vec<u32> = (0..frame.players.len() as u32)
                    .filter(|&i| near(frame.players[i as usize].exact))
                    .collect();
                let want_shots: Vec<u32> = (0..frame.projectiles.len() as u32)
                    .filter(|&i| near(frame.projectiles[i as usize].exact))
                    .collect();
                assert_eq!(out.players, want, "view {view}");
                assert_eq!(out.projectiles, want_shots, "view {view}");
            }
        }
    }

    #[test]
    fn the_grid_is_capped_for_tiny_views() {
        let grid = Grid::new(&bounds(), 64.0);
        assert!(grid.dims.max_element() <= MAX_CELLS_PER_AXIS + 1);
    }
}
