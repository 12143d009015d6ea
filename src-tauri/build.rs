// Reads the one IPC declaration (`src/commands/surface.rs`) for its command names and puts every
// one of them under Tauri's ACL. The types in the declaration are only parsed here, not resolved.
macro_rules! liaison_ipc_surface {
    ($( $module:ident :: $name:ident [$($context:ident),*] ( $($arg:ident : $ty:ty),* ) -> $ret:ty ; )*) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/commands/surface.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/commands/surface.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run the Tauri build script");
}
