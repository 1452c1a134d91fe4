//! The browser client in `assets/web/`, the games' modules in
//! `games/*/web/` and the admin console in `assets/admin/` are embedded into the server binary (see `src/web.rs`);
//! rebuild whenever a file there changes.

fn main() {
    println!("cargo:rerun-if-changed=../assets/web");
    println!("cargo:rerun-if-changed=../games");
    println!("cargo:rerun-if-changed=../assets/admin");
    println!("cargo:rerun-if-changed=build.rs");
}
