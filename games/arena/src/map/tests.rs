use super::*;

/// A 1000 x 1000 map with the given spawn list and wall tables.
fn map_text(spawns: &str, walls: &str) -> String {
    format!(
        "name = \"test\"\nspawns = {spawns}\n\
         [bounds]\nmin = [0.0, 0.0]\nmax = [1000.0, 1000.0]\n{walls}"
    )
}

fn wall(min: [f32; 2], max: [f32; 2]) -> String {
    format!("[[walls]]\nmin = {min:?}\nmax = {max:?}\n")
}

fn parse(spawns: &str, walls: &str) -> Result<Map, MapError> {
    Map::from_toml_str(&map_text(spawns, walls))
}

#[test]
fn default_map_is_valid_and_fits_sixteen_players() {
    let map = Map::default_arena();
    assert_eq!(map.info.name, "arena");
    assert_eq!(map.info.bounds.min, Vec2::ZERO);
    assert_eq!(map.info.bounds.max, Vec2::new(1600.0, 1000.0));
    assert!(map.spawns.len() >= 16, "{} spawns", map.spawns.len());
    assert!(!map.info.walls.is_empty());
}

#[test]
fn parses_walls_and_spawns_in_file_order() {
    let map = parse(
        "[[100.0, 100.0], [900, 900]]",
        &wall([400.0, 400.0], [600.0, 450.0]),
    )
    .unwrap();
    assert_eq!(map.info.name, "test");
    assert_eq!(
        map.info.walls,
        vec![Rect {
            min: Vec2::new(400.0, 400.0),
            max: Vec2::new(600.0, 450.0),
        }]
    );
    // Integers are accepted as well as floats.
    assert_eq!(
        map.spawns,
        vec![Vec2::new(100.0, 100.0), Vec2::new(900.0, 900.0)]
    );
}

#[test]
fn loads_from_a_file_and_reports_a_missing_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/maps/arena.toml");
    assert_eq!(Map::load(path).unwrap(), Map::default_arena());
    let err = Map::load("/nonexistent/rallypoint/map.toml").unwrap_err();
    assert!(matches!(err, MapError::Io { .. }), "{err:?}");
}

#[test]
fn rejects_bad_toml_and_unknown_keys() {
    assert!(matches!(
        Map::from_toml_str("name = "),
        Err(MapError::Parse(_))
    ));
    // A typo must not silently drop the walls.
    let typo = map_text(
        "[[100.0, 100.0]]",
        "[[wall]]\nmin = [1, 1]\nmax = [50, 50]\n",
    );
    assert!(matches!(Map::from_toml_str(&typo), Err(MapError::Parse(_))));
}

#[test]
fn rejects_bad_names() {
    let empty = map_text("[[100.0, 100.0]]", "").replace("\"test\"", "\"\"");
    assert!(matches!(
        Map::from_toml_str(&empty),
        Err(MapError::BadName { len: 0 })
    ));
    let long = map_text("[[100.0, 100.0]]", "").replace("test", &"x".repeat(33));
    assert!(matches!(
        Map::from_toml_str(&long),
        Err(MapError::BadName { len: 33 })
    ));
}

#[test]
fn rejects_non_finite_numbers() {
    let bounds = map_text("[[100.0, 100.0]]", "").replace("1000.0, 1000.0", "inf, 1000.0");
    assert!(matches!(
        Map::from_toml_str(&bounds),
        Err(MapError::NonFinite(MapItem::Bounds))
    ));
    let wall_nan = "[[walls]]\nmin = [nan, 0.0]\nmax = [50.0, 50.0]\n";
    assert!(matches!(
        parse("[[100.0, 100.0]]", wall_nan),
        Err(MapError::NonFinite(MapItem::Wall(0)))
    ));
    // Too big for an f32: becomes infinity, and is refused.
    assert!(matches!(
        parse("[[100.0, 100.0], [1e300, 5.0]]", ""),
        Err(MapError::NonFinite(MapItem::Spawn(1)))
    ));
}

#[test]
fn rejects_empty_or_inverted_rectangles() {
    let flat = map_text("[[100.0, 100.0]]", "").replace("1000.0, 1000.0", "1000.0, 0.0");
    assert!(matches!(
        Map::from_toml_str(&flat),
        Err(MapError::EmptyRect(MapItem::Bounds))
    ));
    let walls = wall([0.0, 0.0], [50.0, 50.0]) + &wall([600.0, 600.0], [500.0, 700.0]);
    assert!(matches!(
        parse("[[100.0, 100.0]]", &walls),
        Err(MapError::EmptyRect(MapItem::Wall(1)))
    ));
}

#[test]
fn rejects_walls_thinner_than_a_player_radius() {
    let thin = wall([500.0, 0.0], [500.0 + PLAYER_RADIUS - 1.0, 400.0]);
    assert!(matches!(
        parse("[[100.0, 100.0]]", &thin),
        Err(MapError::WallTooThin { index: 0 })
    ));
    let exact = wall([500.0, 0.0], [500.0 + PLAYER_RADIUS, 400.0]);
    assert!(parse("[[100.0, 100.0]]", &exact).is_ok());
}

#[test]
fn enforces_wall_and_spawn_limits() {
    let one = wall([0.0, 0.0], [20.0, 20.0]);
    assert!(parse("[[500.0, 500.0]]", &one.repeat(MAX_WALLS)).is_ok());
    assert!(matches!(
        parse("[[500.0, 500.0]]", &one.repeat(MAX_WALLS + 1)),
        Err(MapError::TooManyWalls { count }) if count == MAX_WALLS + 1
    ));

    let spawns = format!("[{}]", vec!["[500.0, 500.0]"; MAX_SPAWNS + 1].join(","));
    assert!(matches!(
        parse(&spawns, ""),
        Err(MapError::TooManySpawns { count }) if count == MAX_SPAWNS + 1
    ));
}

#[test]
fn requires_spawns() {
    assert!(matches!(parse("[]", ""), Err(MapError::NoSpawns)));
    let missing = map_text("[]", "").replace("spawns = []\n", "");
    assert!(matches!(
        Map::from_toml_str(&missing),
        Err(MapError::NoSpawns)
    ));
}

#[test]
fn rejects_spawns_that_do_not_fit_a_player() {
    assert!(matches!(
        parse("[[100.0, 100.0], [1200.0, 100.0]]", ""),
        Err(MapError::SpawnOutOfBounds { index: 1 })
    ));
    // Inside the bounds, but the player's circle would stick out.
    let edge = format!("[[{}, 500.0]]", PLAYER_RADIUS - 1.0);
    assert!(matches!(
        parse(&edge, ""),
        Err(MapError::SpawnOutOfBounds { index: 0 })
    ));
    let touching = format!("[[{PLAYER_RADIUS:?}, 500.0]]");
    assert!(parse(&touching, "").is_ok());
}

#[test]
fn rejects_spawns_overlapping_a_wall() {
    let walls = wall([0.0, 0.0], [50.0, 50.0]) + &wall([400.0, 400.0], [600.0, 600.0]);
    // Outside the second wall's rectangle, but within a radius of it.
    let near = format!("[[100.0, 100.0], [{}, 500.0]]", 600.0 + PLAYER_RADIUS - 1.0);
    assert!(matches!(
        parse(&near, &walls),
        Err(MapError::SpawnInWall { spawn: 1, wall: 1 })
    ));
}

#[test]
fn view_distance_defaults_and_is_checked() {
    assert_eq!(
        parse("[[100, 100]]", "").unwrap().view_distance,
        DEFAULT_VIEW_DISTANCE
    );
    let text = format!("view_distance = 500.0\n{}", map_text("[[100, 100]]", ""));
    assert_eq!(Map::from_toml_str(&text).unwrap().view_distance, 500.0);
    for bad in ["10.0", "nan", "-inf"] {
        let text = format!("view_distance = {bad}\n{}", map_text("[[100, 100]]", ""));
        assert!(
            matches!(Map::from_toml_str(&text), Err(MapError::BadViewDistance(_))),
            "{bad}"
        );
    }
}

#[test]
fn rejects_coordinates_beyond_the_fixed_point_range() {
    let text = map_text("[[100, 100]]", "").replace("1000", "20000");
    assert!(
        matches!(
            Map::from_toml_str(&text),
            Err(MapError::OutOfRange(MapItem::Bounds))
        ),
        "{text}"
    );
}

#[test]
fn spawns_are_snapped_to_the_wire_grid() {
    let map = parse("[[100.0001, 200.3]]", "").unwrap();
    let s = map.spawns[0];
    assert_eq!(crate::movement::snap(s), s);
    assert!((s - glam::Vec2::new(100.0001, 200.3)).length() < 1e-3);
}
