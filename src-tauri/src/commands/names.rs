// The app commands the webview may call. `build.rs` includes this file to put every one of them
// under Tauri's ACL, and tests check that the capability, the handler and the generated
// TypeScript bindings all list exactly these.
pub const COMMANDS: &[&str] = &[
    "app_info",
    "setup_overview",
    "workspace_status",
    "get_preferences",
    "set_language",
    "connections_list",
    "members_list",
    "runs_list",
    "audit_list",
];
