use clap::Parser;

use super::*;

#[test]
fn shipped_config_file_holds_the_defaults() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/rallypoint.toml"
    ));
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        Config::from_toml_str(&text, path).unwrap(),
        Config::default()
    );
}

#[test]
fn flags_override_file_and_are_validated() {
    let cli = Cli::parse_from(["x", "--tick-hz", "60", "--bind", "127.0.0.1:9000"]);
    let config = cli.into_config().unwrap();
    assert_eq!(config.tick_hz, 60);
    assert_eq!(config.bind.port(), 9000);
    let cli = Cli::parse_from(["x", "--tick-hz", "0"]);
    assert!(matches!(cli.into_config(), Err(ConfigError::Invalid(_))));
    let cli = Cli::parse_from(["x", "--tick-hz", "129"]);
    assert!(matches!(cli.into_config(), Err(ConfigError::Invalid(_))));
}

#[test]
fn snapshot_rate_defaults_to_the_tick_rate_and_may_not_exceed_it() {
    let config = Cli::parse_from(["x", "--tick-hz", "60"])
        .into_config()
        .unwrap();
    assert_eq!(config.snapshot_hz(), 60);
    let config = Cli::parse_from(["x", "--snapshot-hz", "15"])
        .into_config()
        .unwrap();
    assert_eq!((config.tick_hz, config.snapshot_hz()), (30, 15));
    for bad in ["0", "31"] {
        let cli = Cli::parse_from(["x", "--snapshot-hz", bad]);
        assert!(
            matches!(cli.into_config(), Err(ConfigError::Invalid(_))),
            "{bad}"
        );
    }
}

#[test]
fn unknown_keys_are_refused() {
    let err = Config::from_toml_str("tick_rate = 30", Path::new("x.toml"));
    assert!(matches!(err, Err(ConfigError::Parse { .. })));
}

#[test]
fn a_node_joins_a_fleet_by_flag_or_file() {
    let alone = Cli::parse_from(["x"]).into_config().unwrap();
    assert_eq!(alone.redis_url, None);
    assert_eq!(alone.public_url(), "ws://127.0.0.1:7000/ws");
    let flags = [
        "x",
        "--redis",
        "redis://127.0.0.1:6379",
        "--node-id",
        "game-1",
        "--public-url",
        "ws://game-1.example.com:7000/ws",
        "--fleet-secret",
        "sixteen bytes at least",
    ];
    let node = Cli::parse_from(flags).into_config().unwrap();
    assert_eq!(node.redis_url.as_deref(), Some("redis://127.0.0.1:6379"));
    assert_eq!(node.node_id.as_deref(), Some("game-1"));
    assert_eq!(node.public_url(), "ws://game-1.example.com:7000/ws");
    let file =
        "redis_url = \"redis://r:6379\"\nnode_ttl_secs = 3\nfleet_secret = \"0123456789abcdef\"\n";
    let node = Config::from_toml_str(file, Path::new("x.toml")).unwrap();
    assert_eq!(
        (node.redis_url.as_deref(), node.node_ttl_secs),
        (Some("redis://r:6379"), 3)
    );
    let zero = Config::from_toml_str("node_ttl_secs = 0", Path::new("x.toml"));
    assert!(matches!(zero, Err(ConfigError::Invalid(_))));
}

#[test]
fn a_fleet_needs_a_secret_long_enough() {
    let no_secret = Config::from_toml_str("redis_url = \"redis://r:6379\"", Path::new("x.toml"));
    assert!(
        matches!(&no_secret, Err(ConfigError::Invalid(m)) if m.contains("fleet_secret")),
        "{no_secret:?}"
    );
    let short = "redis_url = \"redis://r:6379\"\nfleet_secret = \"short\"";
    let short = Config::from_toml_str(short, Path::new("x.toml"));
    assert!(
        matches!(&short, Err(ConfigError::Invalid(m)) if m.contains("at least 16")),
        "{short:?}"
    );
    let zero = Config::from_toml_str("ticket_secs = 0", Path::new("x.toml"));
    assert!(matches!(zero, Err(ConfigError::Invalid(_))));
}

#[test]
fn trusted_proxies_come_from_the_file_or_the_flags() {
    let file = "trusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\"]\nproxy_protocol = true\n";
    let config = Config::from_toml_str(file, Path::new("x.toml")).unwrap();
    let nets: Vec<String> = config
        .trusted_proxies
        .nets()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(nets, ["10.0.0.0/8", "192.168.1.7/32"]);
    assert!(config.proxy_protocol);
    let bad = Config::from_toml_str("trusted_proxies = [\"proxy\"]", Path::new("x.toml"));
    assert!(matches!(bad, Err(ConfigError::Parse { .. })), "{bad:?}");
    // The PROXY header only ever comes from a trusted proxy.
    let alone = Config::from_toml_str("proxy_protocol = true", Path::new("x.toml"));
    assert!(
        matches!(&alone, Err(ConfigError::Invalid(m)) if m.contains("trusted_proxies")),
        "{alone:?}"
    );
    let cli = Cli::parse_from([
        "x",
        "--trusted-proxy",
        "127.0.0.1/32",
        "--trusted-proxy",
        "::1",
        "--proxy-protocol",
    ]);
    let config = cli.into_config().unwrap();
    assert_eq!(config.trusted_proxies.nets().len(), 2);
    assert!(config.trusted_proxies.contains("::1".parse().unwrap()));
    assert!(config.proxy_protocol);
    assert!(Cli::try_parse_from(["x", "--trusted-proxy", "10.0.0.0/99"]).is_err());
}

#[test]
fn auth_is_off_by_default_and_on_by_file_or_flag() {
    assert_eq!(Config::default().auth, None);
    let path = Path::new("auth.toml");
    let text = "[auth]\npublic_key = \"backend.pem\"\nalgorithm = \"RS256\"\naudience = \"g\"\n";
    let config = Config::from_toml_str(text, path).unwrap();
    let auth = config.auth.unwrap();
    assert_eq!(auth.public_key.as_deref(), Some(Path::new("backend.pem")));
    assert_eq!(auth.algorithm.as_deref(), Some("RS256"));
    assert_eq!(auth.leeway_secs, crate::auth::DEFAULT_LEEWAY_SECS);
    // An unknown key in the section is refused, like anywhere else.
    assert!(Config::from_toml_str("[auth]\nsecrte = \"x\"\n", path).is_err());

    // A flag turns it on; a secret from the flags replaces a file's key.
    let cli = Cli::parse_from(["x", "--auth-secret", "s".repeat(32).as_str()]);
    let auth = cli.into_config().unwrap().auth.unwrap();
    assert_eq!(auth.secret, Some("s".repeat(32)));
    assert_eq!(auth.public_key, None);
    let cli = Cli::parse_from(["x", "--auth-audience", "g"]);
    assert_eq!(
        cli.into_config().unwrap().auth.unwrap().audience.as_deref(),
        Some("g")
    );
}

#[test]
fn admin_tokens_come_from_the_file_and_the_flags_and_are_checked() {
    use crate::admin::Role;
    let long = "0123456789abcdef0123456789abcdef";
    let text = format!(
        "[admin]\nbind = \"127.0.0.1:7100\"\n[[admin.tokens]]\nname = \"ops\"\nrole = \"full\"\ntoken = \"{long}\"\n"
    );
    let file = Config::from_toml_str(&text, Path::new("x.toml")).unwrap();
    let admin = file.admin.unwrap();
    assert_eq!(admin.tokens[0].role, Role::Full);
    assert_eq!(
        admin.url("127.0.0.1:7000".parse().unwrap()),
        "http://127.0.0.1:7100"
    );
    let flag = format!("dash:read:{long}");
    let cli = Cli::parse_from(["x", "--admin-token", &flag])
        .into_config()
        .unwrap();
    assert_eq!(cli.admin.unwrap().tokens[0].name, "dash");
    for bad in [
        "dash:read:short",
        "dash:root:0123456789abcdef0123456789abcdef",
        "nocolons",
    ] {
        assert!(
            Cli::parse_from(["x", "--admin-token", bad])
                .into_config()
                .is_err(),
            "{bad} accepted"
        );
    }
    let unknown = "[admin]\ntokenz = []\n";
    assert!(Config::from_toml_str(unknown, Path::new("x.toml")).is_err());
    let empty = "[admin]\nbind = \"127.0.0.1:7100\"\n";
    assert!(
        Config::from_toml_str(empty, Path::new("x.toml")).is_err(),
        "no token"
    );
}

#[test]
fn tls_flags_come_together_and_make_the_public_url_wss() {
    let config = Cli::parse_from(["x", "--tls-cert", "c.pem", "--tls-key", "k.pem"])
        .into_config()
        .unwrap();
    let tls = config.tls.clone().unwrap();
    assert_eq!((tls.cert, tls.key), ("c.pem".into(), "k.pem".into()));
    assert_eq!(config.public_url(), "wss://127.0.0.1:7000/ws");
    assert!(Cli::try_parse_from(["x", "--tls-cert", "c.pem"]).is_err());
    assert!(Cli::try_parse_from(["x", "--tls-key", "k.pem"]).is_err());
    let text = "[tls]\ncert = \"c.pem\"\n";
    assert!(Config::from_toml_str(text, Path::new("t.toml")).is_err());
}
