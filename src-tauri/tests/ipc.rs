//! The IPC contract, through Tauri's mock runtime with the real configuration and capability
//! file: which commands the main window may call, the shapes they return, and the error object.

use liaison_core::Paths;
use liaison_desktop::{AppState, bindings, builder, commands::names::COMMANDS};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

fn app(state: AppState) -> App<MockRuntime> {
    builder(mock_builder(), state).build(tauri::generate_context!()).expect("the app builds")
}

fn workspace_app() -> (tempfile::TempDir, App<MockRuntime>) {
    let dir = tempfile::tempdir().unwrap();
    let app = app(AppState::open(Paths::in_dir(dir.path())));
    (dir, app)
}

fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    app.get_webview_window(label)
        .unwrap_or_else(|| WebviewWindowBuilder::new(app, label, Default::default()).build().expect("window"))
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("JSON response"))
}

fn args_for(cmd: &str) -> Value {
    match cmd {
        "set_language" => json!({ "language": "en" }),
        "audit_list" => json!({ "query": { "action": null, "limit": 10 } }),
        _ => json!({}),
    }
}

#[test]
fn the_main_window_may_call_every_app_command() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    for cmd in COMMANDS {
        let result = invoke(&main, cmd, args_for(cmd));
        assert!(result.is_ok(), "{cmd}: {result:?}");
    }
}

#[test]
fn a_window_outside_the_capability_cannot_call_any_command() {
    let (_dir, app) = workspace_app();
    let other = window(&app, "intruder");
    for cmd in COMMANDS {
        let err = invoke(&other, cmd, args_for(cmd)).expect_err(cmd);
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
    }
}

#[test]
fn unknown_commands_and_plugin_commands_are_refused() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    assert!(invoke(&main, "delete_everything", json!({})).is_err());
    let err = invoke(&main, "plugin:window|set_title", json!({ "title": "x" })).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn r1_setup_overview_returns_seven_steps_with_persona_and_state() {
    let (_dir, app) = workspace_app();
    let overview = invoke(&window(&app, "main"), "setup_overview", json!({})).unwrap();
    let steps = overview["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(
        steps[0],
        json!({"number": 1, "key": "workspace", "persona": "marketo_admin", "state": "not_started", "detail": null, "updated_at": null})
    );
    assert_eq!(steps[5]["persona"], "salesforce_admin");
    assert_eq!((overview["done"].clone(), overview["total"].clone()), (json!(0), json!(7)));
}

#[test]
fn app_info_names_the_directories_in_use() {
    let (dir, app) = workspace_app();
    let info = invoke(&window(&app, "main"), "app_info", json!({})).unwrap();
    assert_eq!(info["data_dir"], dir.path().display().to_string());
    assert_eq!(info["log_dir"], dir.path().join("logs").display().to_string());
    assert_eq!(info["startup_error"], Value::Null);
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_workspace_that_cannot_open_reports_code_message_details_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("liaison.db"), vec![7u8; 4096]).unwrap();
    let app = app(AppState::open(Paths::in_dir(dir.path())));
    let main = window(&app, "main");
    let info = invoke(&main, "app_info", json!({})).unwrap();
    assert_eq!(info["startup_error"]["code"], "store_corrupt");
    let err = invoke(&main, "setup_overview", json!({})).unwrap_err();
    assert_eq!(err["code"], "store_corrupt");
    assert!(err["message"].as_str().unwrap().contains("damaged"), "{err}");
    assert!(err.get("details").is_some());
}

#[test]
fn set_language_persists_and_rejects_unknown_values() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    assert_eq!(invoke(&main, "set_language", json!({ "language": "ja" })).unwrap(), json!({ "language": "ja" }));
    assert_eq!(invoke(&main, "get_preferences", json!({})).unwrap(), json!({ "language": "ja" }));
    let err = invoke(&main, "set_language", json!({ "language": "klingon" })).unwrap_err();
    assert!(err.to_string().contains("language"), "{err}");
}

#[test]
fn audit_list_filters_by_action() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    let all = invoke(&main, "audit_list", json!({ "query": { "action": null, "limit": null } })).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["action"], "workspace.created");
    let none = invoke(&main, "audit_list", json!({ "query": { "action": "member.removed", "limit": null } })).unwrap();
    assert_eq!(none, json!([]));
}

#[test]
fn the_capability_grants_exactly_the_app_commands() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main.json")).unwrap();
    let cap: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(cap["windows"], json!(["main"]), "the capability must name the main window only");
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_owned))
        .collect();
    granted.sort();
    let mut expected: Vec<String> = COMMANDS.iter().map(|c| c.replace('_', "-")).collect();
    expected.sort();
    assert_eq!(granted, expected);
    let others: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| !p.starts_with("allow-"))
        .collect();
    assert_eq!(others, ["core:event:allow-listen", "core:event:allow-unlisten"], "no plugin permission beyond events");
}

#[test]
fn the_security_config_is_strict() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json")).unwrap();
    let conf: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert!(!text.contains("unsafe-eval") && !text.contains("unsafe-inline"));
    assert!(conf["build"].get("devUrl").is_none(), "the app never loads a dev server");
}

#[test]
fn the_generated_typescript_bindings_are_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(bindings::BINDINGS_PATH);
    let expected = bindings::typescript();
    if std::env::var_os("LIAISON_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == expected, "{} is stale: run `cargo xtask bindings` and commit the result", path.display());
}
