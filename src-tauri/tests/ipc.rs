//! The IPC contract, through Tauri's mock runtime with the real configuration and capability
//! file: which commands the main window may call, the shapes they return, and the error object.

use liaison_core::Paths;
use liaison_core::vault::{FileKeychain, Keychain, Vault};
use liaison_desktop::{AppState, bindings, builder, commands::names::COMMANDS};
use secrecy::ExposeSecret;
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
    let paths = Paths::in_dir(dir.path());
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let mut state = AppState::open_with(paths, Ok(keychain));
    // Deliveries started by these tests notify into a list, not onto the desktop.
    state.record_notifications();
    let app = app(state);
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
        // Would open the system browser; the ACL check happens before arguments are read.
        "connect_salesforce" => json!({}),
        "set_language" => json!({ "language": "en" }),
        "audit_list" => json!({ "query": { "action": null, "limit": 10 } }),
        "sync_save_mapping" => json!({ "choices": [] }),
        "sync_custom_remove" => json!({ "key": "custom_none" }),
        "sync_custom_choose" => json!({ "key": "custom_none", "selected": true, "rule": "most_recent" }),
        "sync_estimate" | "sync_start" => json!({ "full": false }),
        "sync_history" => json!({ "limit": 10 }),
        "sync_run_errors" => json!({ "run_id": "none", "limit": 10 }),
        "sync_settings_save" => json!({ "settings": {} }),
        "people_search" => json!({ "query": "", "limit": 10 }),
        _ => json!({}),
    }
}

#[test]
fn the_main_window_may_call_every_app_command() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    // These open native file dialogs, which wait for a person; the capability test covers them.
    let interactive = ["csv_choose_file", "csv_save_template"];
    for cmd in COMMANDS.iter().filter(|c| !interactive.contains(c)) {
        // The ACL let the call through when the answer is a value, a domain error object, or
        // an argument error (this test sends no arguments to commands that need some).
        if let Err(err) = invoke(&main, cmd, args_for(cmd)) {
            assert!(!err.to_string().contains("not allowed"), "{cmd}: {err}");
        }
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
        json!({"number": 1, "key": "workspace", "persona": "marketo_admin", "state": "not_started", "detail": null, "updated_at": null, "updated_by": null, "action_url": null})
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

#[test]
fn r2_activation_through_ipc_never_returns_the_client_secret() {
    let (dir, app) = workspace_app();
    let main = window(&app, "main");
    let before = invoke(&main, "integration_info", json!({})).unwrap();
    assert_eq!(before["activated"], false);
    let admin = invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    assert_eq!(admin["is_original_admin"], true);
    let info = invoke(&main, "integration_info", json!({})).unwrap();
    assert!(info["client_id"].as_str().unwrap().starts_with("lia-"));
    // Read the real secret straight from the vault, then look for it in every answer.
    let paths = Paths::in_dir(dir.path());
    let store = liaison_core::store::Store::open(&paths).unwrap();
    let vault = Vault::open(&store, &FileKeychain::new(&paths)).unwrap();
    let secret = vault.get(liaison_core::members::admin::CLIENT_SECRET).unwrap().unwrap();
    let mut answers = String::new();
    for cmd in [
        "app_info",
        "setup_overview",
        "workspace_status",
        "integration_info",
        "regenerate_client_secret",
        "members_list",
        "vault_status",
        "acting_admin",
    ] {
        answers.push_str(&invoke(&main, cmd, json!({})).unwrap().to_string());
    }
    answers.push_str(
        &invoke(&main, "audit_list", json!({ "query": { "action": null, "limit": null } })).unwrap().to_string(),
    );
    let regenerated = vault.get(liaison_core::members::admin::CLIENT_SECRET).unwrap().unwrap();
    for s in [secret.expose_secret(), regenerated.expose_secret()] {
        assert!(!answers.contains(s), "a client secret crossed IPC");
    }
    assert!(info["client_secret_masked"].as_str().unwrap().starts_with('•'));
}

#[test]
fn r2_a_marketo_admin_picked_through_ipc_is_activated_and_gets_the_access_email_once_smtp_is_saved() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig { people: 5, ..Default::default() }))
        .unwrap();
    let e = sandbox.endpoints().clone();
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    let source = json!({ "via": "credentials", "base_url": e.marketo.base_url, "client_id": e.marketo.client_id });
    let secret = e.marketo.client_secret.clone();
    let admins = invoke(&main, "marketo_admins", json!({ "source": source, "client_secret": secret.clone() })).unwrap();
    assert_eq!(admins.as_array().unwrap().len(), 3, "{admins}");
    let refused = invoke(
        &main,
        "activate_from_marketo",
        json!({ "source": source, "client_secret": secret.clone(), "pick": "grace.2@sandbox.example.com" }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "forbidden");
    let done = invoke(
        &main,
        "activate_from_marketo",
        json!({ "source": source, "client_secret": secret.clone(), "pick": admins[1]["userid"] }),
    )
    .unwrap();
    assert_eq!(done["admin"]["email"], admins[1]["email"]);
    assert_eq!(done["email"]["waiting_for_email_settings"], true);
    assert!(!done.to_string().contains(&secret), "the Marketo secret never comes back");

    let settings = json!({ "host": e.smtp.host, "port": e.smtp.port, "username": null, "tls": "none",
        "from_address": "liaison@example.com", "from_name": null });
    invoke(&main, "smtp_settings_save", json!({ "settings": settings, "password": null })).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let email = invoke(&main, "access_email", json!({})).unwrap();
        if email["state"] == "sent" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the access email did not go out: {email}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(sink_recipients(&e.control_url), [admins[1]["email"].as_str().unwrap()]);
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r7_connect_permission_is_reported_with_its_reason() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    let before = invoke(&main, "connect_permission", json!({ "kind": "marketo" })).unwrap();
    assert_eq!(before["allowed"], false);
    assert!(before["reason"].as_str().unwrap().contains("Activate the workspace"));
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let after = invoke(&main, "connect_permission", json!({ "kind": "marketo" })).unwrap();
    assert_eq!(after, json!({ "allowed": true, "reason": null }));
}

#[test]
fn r9_removing_the_last_admin_through_ipc_is_refused_with_a_code() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let err = invoke(&main, "remove_member", json!({ "email": "ada@example.com" })).unwrap_err();
    assert_eq!(err["code"], "forbidden");
}

#[test]
fn r4_inviting_through_ipc_joins_everyone_and_lists_the_invitation() {
    let (dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let invited = invoke(
        &main,
        "invite_user",
        json!({ "request": { "email": "bea@example.com", "name": "Bea", "role": "user", "teams": [] } }),
    )
    .unwrap();
    assert_eq!(invited["teams"], json!(["Everyone"]));
    let list = invoke(&main, "invitations_list", json!({})).unwrap();
    assert_eq!(list[0]["email"], "bea@example.com");
    let again = invoke(
        &main,
        "invite_user",
        json!({ "request": { "email": "BEA@example.com", "name": null, "role": "user", "teams": [] } }),
    )
    .unwrap_err();
    assert_eq!(again["code"], "conflict");
    // A CSV opened in the wizard is previewed with the mapping the admin reviewed.
    let csv = dir.path().join("team.csv");
    std::fs::write(&csv, "Work Email;Name\ncarl@example.com;Carl Doe\nbroken;X\n").unwrap();
    // A path the page names is not read unless the admin chose or dropped that file (#13).
    let forged = invoke(&main, "csv_open", json!({ "path": csv.display().to_string() })).unwrap_err();
    assert_eq!(forged["code"], "forbidden", "{forged}");
    app.state::<AppState>().choose_files([csv.as_path()]);
    let opened = invoke(&main, "csv_open", json!({ "path": csv.display().to_string() })).unwrap();
    assert_eq!(opened["mapping"]["email"], "Work Email");
    let page = invoke(
        &main,
        "csv_preview",
        json!({ "path": csv.display().to_string(), "mapping": opened["mapping"], "offset": 0, "limit": 50 }),
    )
    .unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 2);
    let report = invoke(
        &main,
        "csv_validate",
        json!({ "path": csv.display().to_string(), "mapping": opened["mapping"], "excluded": [] }),
    )
    .unwrap();
    assert_eq!((report["valid"].clone(), report["invalid"].clone()), (json!(1), json!(1)));
    // Per-row results come a page at a time, once a file was sent.
    let none = invoke(&main, "csv_batch_rows", json!({ "offset": 0, "limit": 100 })).unwrap_err();
    assert_eq!(none["code"], "not_found");
}

#[test]
fn sync_commands_without_connections_say_what_to_connect_and_start_nothing() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    for (cmd, args) in [
        ("sync_preview", json!({})),
        ("sync_estimate", json!({ "full": true })),
        ("sync_start", json!({ "full": false })),
    ] {
        let err = invoke(&main, cmd, args).unwrap_err();
        assert_eq!(err["code"], "conflict", "{cmd}: {err}");
        assert!(err["message"].as_str().unwrap().contains("Marketo is not connected"), "{cmd}: {err}");
    }
    let overview = invoke(&main, "sync_status", json!({})).unwrap();
    assert_eq!(overview["running"], false, "a refused start leaves no run behind");
    assert_eq!(overview["current"], Value::Null);
    assert_eq!(overview["status"]["connected"], false);
    assert_eq!(overview["status"]["people"], 0);
    assert_eq!(overview["status"]["last_run"], Value::Null);
    assert_eq!(overview["status"]["settings"]["schedule_minutes"], 15);
    assert_eq!(invoke(&main, "sync_cancel", json!({})).unwrap(), json!(false));
    assert_eq!(invoke(&main, "sync_history", json!({ "limit": 20 })).unwrap(), json!([]));
    assert_eq!(invoke(&main, "sync_run_errors", json!({ "run_id": "nope", "limit": 20 })).unwrap(), json!([]));
    assert_eq!(invoke(&main, "people_search", json!({ "query": "ada", "limit": 20 })).unwrap(), json!([]));
}

#[test]
fn sync_settings_are_saved_and_bad_values_are_refused_with_the_reason_losing_nothing() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    let mut settings = invoke(&main, "sync_settings_get", json!({})).unwrap();
    assert_eq!(settings["quota_ceiling_percent"], 50);
    settings["schedule_minutes"] = json!(30);
    settings["log_activities"] = json!(false);
    settings["marketo_history_from"] = json!("2020-01-01");
    assert_eq!(invoke(&main, "sync_settings_save", json!({ "settings": settings })).unwrap(), settings);
    for (field, value, says) in [
        ("schedule_minutes", json!(2), "5 and 1,440"),
        ("quota_ceiling_percent", json!(0), "1% and 100%"),
        ("marketo_history_from", json!("last year"), "YYYY-MM-DD"),
        ("marketo_history_from", json!("1999-01-01"), "2006"),
    ] {
        let mut bad = settings.clone();
        bad[field] = value;
        let err = invoke(&main, "sync_settings_save", json!({ "settings": bad })).unwrap_err();
        assert_eq!(err["code"], "invalid_input", "{field}: {err}");
        assert!(err["message"].as_str().unwrap().contains(says), "{field}: {err}");
    }
    assert_eq!(invoke(&main, "sync_settings_get", json!({})).unwrap(), settings);
    let err = invoke(
        &main,
        "sync_save_mapping",
        json!({ "choices": [{ "field": "shoe_size", "selected": true, "rule": "marketo_wins" }] }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("shoe_size"), "{err}");
}

#[test]
fn custom_sync_fields_are_added_chosen_and_removed_with_clear_refusals() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let field = json!({ "label": "Region", "marketo": "region", "salesforce_contact": "Region__c",
        "salesforce_lead": null, "rule": "marketo_wins" });
    let added = invoke(&main, "sync_custom_add", json!({ "field": field })).unwrap();
    assert_eq!((added["key"].as_str(), added["selected"].as_bool()), (Some("custom_region"), Some(true)));
    let err = invoke(&main, "sync_custom_add", json!({ "field": field })).unwrap_err();
    assert_eq!(err["code"], "conflict", "{err}");
    let label_not_api = json!({ "label": "Tier", "marketo": "Customer Tier", "salesforce_contact": null,
        "salesforce_lead": null, "rule": "most_recent" });
    let err = invoke(&main, "sync_custom_add", json!({ "field": label_not_api })).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("API name"), "{err}");
    invoke(&main, "sync_custom_choose", json!({ "key": "custom_region", "selected": false, "rule": "most_recent" }))
        .unwrap();
    invoke(&main, "sync_custom_remove", json!({ "key": "custom_region" })).unwrap();
    let err = invoke(&main, "sync_custom_remove", json!({ "key": "custom_region" })).unwrap_err();
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn starting_the_sandbox_points_a_demo_full_sync_at_its_first_day_of_data_once() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "sandbox_start", json!({})).unwrap();
    let settings = invoke(&main, "sync_settings_get", json!({})).unwrap();
    assert_eq!(settings["marketo_history_from"], liaison_sandbox::Sandbox::data_since());

    // Settings the admin saved are kept when the sandbox starts in a later session.
    let (_dir2, app2) = workspace_app();
    let main2 = window(&app2, "main");
    let mut mine = invoke(&main2, "sync_settings_get", json!({})).unwrap();
    mine["marketo_history_from"] = json!("2019-06-01");
    invoke(&main2, "sync_settings_save", json!({ "settings": mine })).unwrap();
    invoke(&main2, "sandbox_start", json!({})).unwrap();
    assert_eq!(invoke(&main2, "sync_settings_get", json!({})).unwrap()["marketo_history_from"], "2019-06-01");
}

#[test]
fn r1_verifying_step_6_without_salesforce_is_a_conflict_that_names_the_fallback() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let err = invoke(&main, "verify_crm_package", json!({})).unwrap_err();
    assert_eq!(err["code"], "conflict");
    assert!(err["message"].as_str().unwrap().contains("confirm the checklist"), "{err}");
}

#[test]
fn r1_prerequisites_are_confirmed_and_checked_through_ipc() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let list = invoke(&main, "setup_prerequisites", json!({})).unwrap();
    assert_eq!(
        (list[0]["key"].clone(), list[0]["state"].clone()),
        (json!("sales_insight_actions"), json!("not_checked"))
    );
    let list = invoke(&main, "confirm_sales_insight_actions", json!({ "enabled": true })).unwrap();
    assert_eq!(list[0]["state"], "met");
    assert_eq!(list[0]["checked_by"]["email"], "ada@example.com");
    let list = invoke(&main, "check_marketo_salesforce_sync", json!({})).unwrap();
    assert_eq!(list[1]["state"], "cannot_tell");
    assert!(list[1]["detail"].as_str().unwrap().contains("connect Marketo"), "{list}");
}

#[test]
fn r4_teams_are_created_and_assigned_through_ipc_and_everyone_is_kept() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let team = invoke(&main, "team_create", json!({ "name": "Field Sales" })).unwrap();
    assert_eq!((team["name"].clone(), team["is_default"].clone()), (json!("Field Sales"), json!(false)));
    let member =
        invoke(&main, "member_set_teams", json!({ "email": "ada@example.com", "teams": ["Field Sales"] })).unwrap();
    assert_eq!(member["teams"], json!(["Everyone", "Field Sales"]));
    let err = invoke(&main, "member_set_teams", json!({ "email": "ada@example.com", "teams": ["Nope"] })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let members = invoke(&main, "members_list", json!({})).unwrap();
    assert_eq!(members[0]["teams"], json!(["Everyone", "Field Sales"]), "the refused change wrote nothing");
}

#[test]
fn the_invitation_expiry_is_read_and_set_through_ipc_within_1_to_90_days() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    assert_eq!(invoke(&main, "invite_expiry_get", json!({})).unwrap(), json!(3));
    assert_eq!(invoke(&main, "invite_expiry_set", json!({ "days": 14 })).unwrap(), json!(14));
    let err = invoke(&main, "invite_expiry_set", json!({ "days": 0 })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(invoke(&main, "invite_expiry_get", json!({})).unwrap(), json!(14));
}

#[test]
fn segments_are_counted_live_saved_listed_and_deleted_through_ipc() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let fields = invoke(&main, "segment_fields", json!({})).unwrap();
    assert!(fields.as_array().unwrap().iter().any(|f| f["key"] == "country" && f["kind"] == "text"), "{fields}");
    let definition = json!({ "match": "all", "rules": [{ "field": "country", "op": "is", "value": "Japan" }] });
    let preview = invoke(&main, "segment_preview", json!({ "definition": definition })).unwrap();
    assert_eq!(preview, json!({ "count": 0, "sample": [] }));
    let saved = invoke(&main, "segment_create", json!({ "name": "Japan", "definition": definition })).unwrap();
    assert_eq!((saved["name"].clone(), saved["problem"].clone()), (json!("Japan"), Value::Null));
    assert_eq!(invoke(&main, "segments_list", json!({})).unwrap().as_array().unwrap().len(), 1);
    let bad = json!({ "match": "any", "rules": [{ "field": "shoe_size", "op": "is", "value": "42" }] });
    let err = invoke(&main, "segment_preview", json!({ "definition": bad })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("shoe_size"), "{err}");
    invoke(&main, "segment_delete", json!({ "name": "japan" })).unwrap();
    assert_eq!(invoke(&main, "segments_list", json!({})).unwrap(), json!([]));
}

/// Signs in the way a signed-in browser would: the sandbox auto-approves, and its redirect lands
/// on Liaison's loopback listener.
struct Fetcher;

impl liaison_core::connections::oauth::Browser for Fetcher {
    fn open(&self, url: &str) -> liaison_core::Result<()> {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _ = rt.block_on(reqwest::get(url));
        });
        Ok(())
    }
}

#[test]
fn r6_disconnect_through_ipc_checks_first_deletes_locally_then_revokes_like_the_cli() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig {
            people: 10,
            auto_approve: true,
            ..Default::default()
        }))
        .unwrap();
    let sf = sandbox.endpoints().salesforce.clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    // Connected through core on the same workspace, as the Salesforce page would.
    let (id, refresh) = {
        let ws = liaison_core::Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        liaison_core::members::admin::activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
        liaison_core::members::admin::add_active_admin(&ws, "Ben", "ben@example.com").unwrap();
        let request = liaison_core::connections::salesforce::ConnectSalesforce {
            display_name: String::new(),
            login_url: sf.login_url.clone(),
            client_id: sf.client_id.clone(),
            is_sandbox: true,
        };
        let secret = Some(secrecy::SecretString::from(sf.client_secret.clone()));
        let connection = rt
            .block_on(liaison_core::connections::salesforce::connect(&ws, &vault, request, secret, &Fetcher))
            .unwrap();
        let refresh =
            vault.get(&liaison_core::connections::salesforce::secret_names(&connection.id)[1]).unwrap().unwrap();
        (connection.id, refresh)
    };
    let refresh_works = || {
        rt.block_on(async {
            reqwest::Client::new()
                .post(format!("{}/services/oauth2/token", sf.login_url))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.expose_secret()),
                    ("client_id", sf.client_id.as_str()),
                    ("client_secret", sf.client_secret.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        })
    };
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let app = app(AppState::open_with(paths.clone(), Ok(keychain)));
    let main = window(&app, "main");

    invoke(&main, "switch_admin", json!({ "email": "ben@example.com" })).unwrap();
    let refused = invoke(&main, "disconnect", json!({ "connection_id": id })).unwrap_err();
    assert_eq!(refused["code"], "forbidden");
    assert!(refresh_works(), "a refused disconnect revokes nothing");

    invoke(&main, "switch_admin", json!({ "email": "ada@example.com" })).unwrap();
    let done = invoke(&main, "disconnect", json!({ "connection_id": id })).unwrap();
    assert_eq!((done["revoked"].clone(), done["revoke_error"].clone()), (json!(true), Value::Null), "{done}");
    assert!(!refresh_works(), "the session was revoked at Salesforce");
    assert_eq!(invoke(&main, "connections_list", json!({})).unwrap(), json!([]));
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r10_a_marketo_export_destination_is_added_through_ipc_only_with_the_privacy_notice_accepted() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(Default::default())).unwrap();
    let mk = sandbox.endpoints().marketo.clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let app = app(AppState::open_with(paths, Ok(keychain)));
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let request = json!({ "display_name": "", "base_url": mk.base_url, "client_id": mk.client_id, "is_sandbox": true });
    let connection =
        invoke(&main, "connect_marketo", json!({ "request": request, "client_secret": mk.client_secret })).unwrap();
    let list_id = rt.block_on(async {
        let token: Value = reqwest::get(format!(
            "{}/identity/oauth/token?grant_type=client_credentials&client_id={}&client_secret={}",
            mk.base_url, mk.client_id, mk.client_secret
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let lists: Value = reqwest::Client::new()
            .get(format!("{}/rest/v1/lists.json", mk.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        lists["result"][0]["id"].as_i64().unwrap().to_string()
    });
    let notice = invoke(&main, "export_privacy_notice", json!({})).unwrap();
    assert!(notice.as_str().unwrap().contains("compliance boundary"), "{notice}");
    let destination = |accept: bool| {
        json!({ "destination": { "name": "Nurture", "list_id": list_id, "connection_id": connection["id"],
                                  "base_url": null, "client_id": null, "accept_privacy_notice": accept },
                "client_secret": null })
    };
    let refused = invoke(&main, "export_destination_add_marketo", destination(false)).unwrap_err();
    assert_eq!(refused["code"], "forbidden");
    let saved = invoke(&main, "export_destination_add_marketo", destination(true)).unwrap();
    assert_eq!(saved["marketo"]["list_id"].as_i64().unwrap().to_string(), list_id);
    assert_eq!(invoke(&main, "export_destinations_list", json!({})).unwrap().as_array().unwrap().len(), 1);
    let confirm = invoke(&main, "export_destination_delete_confirmation", json!({ "name": "nurture" })).unwrap();
    assert!(confirm.as_str().unwrap().contains("stays in Marketo"), "{confirm}");
    invoke(&main, "export_destination_delete", json!({ "name": "nurture" })).unwrap();
    assert_eq!(invoke(&main, "export_destinations_list", json!({})).unwrap(), json!([]));
    invoke(&main, "set_language", json!({ "language": "ja" })).unwrap();
    assert!(has_japanese(invoke(&main, "export_privacy_notice", json!({})).unwrap().as_str().unwrap()));
    rt.block_on(sandbox.shutdown());
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_desktop_shell_writes_its_messages_through_the_catalogue_too() {
    let mut files = Vec::new();
    rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let keys = liaison_core::i18n::keys(liaison_core::Lang::En);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let built = ["Error::new(", "Error::invalid_input(", "Error::not_found(", "Error::internal("]
                .iter()
                .any(|call| line.split(call).skip(1).any(|rest| rest.trim_start().starts_with(['"', 'f'])));
            assert!(!built, "{}:{}: an error built from a literal: {line}", file.display(), n + 1);
            for used in line.split("msg!(\"").skip(1) {
                let key = used.split('"').next().unwrap();
                assert!(keys.iter().any(|k| k == key), "{}:{}: {key} is not in en.ftl", file.display(), n + 1);
            }
        }
    }
}

fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

#[test]
fn errors_and_texts_reach_a_japanese_workspace_in_japanese_with_the_same_code() {
    let (_dir, app) = workspace_app();
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    invoke(&main, "set_language", json!({ "language": "en" })).unwrap();
    let english = invoke(&main, "invite_expiry_set", json!({ "days": 0 })).unwrap_err();
    assert!(!has_japanese(english["message"].as_str().unwrap()), "{english}");

    invoke(&main, "set_language", json!({ "language": "ja" })).unwrap();
    let japanese = invoke(&main, "invite_expiry_set", json!({ "days": 0 })).unwrap_err();
    assert_eq!(japanese["code"], english["code"]);
    assert_eq!(japanese["details"], english["details"]);
    assert!(has_japanese(japanese["message"].as_str().unwrap()), "{japanese}");
    // A refusal from another area, and the health checklist of a connection that does not exist.
    let refused = invoke(&main, "remove_member", json!({ "email": "ada@example.com" })).unwrap_err();
    assert!(has_japanese(refused["message"].as_str().unwrap()), "{refused}");
    let missing = invoke(&main, "connection_check", json!({ "connection_id": "nope" })).unwrap_err();
    assert!(has_japanese(missing["message"].as_str().unwrap()), "{missing}");
}

/// The recipients the sandbox's SMTP sink received, read over plain HTTP from its control API
/// (`http://127.0.0.1:PORT`).
fn sink_recipients(control_url: &str) -> Vec<String> {
    use std::io::{Read, Write};
    let host = control_url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET /mail HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    let mail: Value = serde_json::from_str(body).unwrap();
    mail["messages"].as_array().unwrap().iter().map(|m| m["to"][0].as_str().unwrap().to_owned()).collect()
}

#[test]
fn queued_invitations_go_out_when_the_app_starts_interrupted_ones_are_not_resent_and_a_notification_says_so() {
    use liaison_core::invites::invite::{InviteRequest, invite_one};
    use liaison_core::invites::outbox::outbox_status;
    use liaison_core::members::MemberRole;

    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(liaison_sandbox::Sandbox::start(liaison_sandbox::SandboxConfig { people: 5, ..Default::default() }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    {
        // The app's last run: two invitations queued, and it was killed while handing the first
        // one to the mail server.
        let ws = liaison_core::Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        liaison_core::members::admin::activate(&ws, &vault, "Ada", "ada@example.com").unwrap();
        let smtp = sandbox.endpoints().smtp.clone();
        liaison_core::invites::smtp::use_sandbox_smtp(&ws, &vault, &smtp.host, smtp.port).unwrap();
        for email in ["one@example.com", "two@example.com"] {
            let request = InviteRequest { email: email.into(), name: None, role: MemberRole::User, teams: vec![] };
            invite_one(&ws, &vault, &request).unwrap();
        }
        ws.store()
            .write(|tx| {
                tx.execute("UPDATE outbox SET state = 'sending' WHERE recipient = 'one@example.com'", [])?;
                Ok(())
            })
            .unwrap();
    }

    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let mut state = AppState::open_with(paths.clone(), Ok(keychain));
    let notices = state.record_notifications();
    let mut app = app(state);
    // One turn of the event loop runs the app's setup, as a real start does.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});

    let store = liaison_core::store::Store::open(&paths).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while notices.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the delivery did not resume: {:?}", outbox_status(&store));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = outbox_status(&store).unwrap();
    assert_eq!((status.queued, status.sending, status.sent, status.uncertain), (0, 0, 1, 1));
    assert_eq!(
        sink_recipients(&sandbox.endpoints().control_url),
        ["two@example.com"],
        "the interrupted one is not resent"
    );
    let notices = notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "Invitations sent");
    assert_eq!(notices[0].body, "1 sent, 1 uncertain (not resent; check with the recipients).");
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r11_an_export_is_saved_without_running_dry_run_and_run_through_ipc_with_a_notification_at_the_end() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 10, time_scale: 200.0, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let mk = sandbox.endpoints().marketo.clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let mut state = AppState::open_with(paths.clone(), Ok(keychain));
    let notices = state.record_notifications();
    let app = app(state);
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let request = json!({ "display_name": "", "base_url": mk.base_url, "client_id": mk.client_id, "is_sandbox": true });
    let connection =
        invoke(&main, "connect_marketo", json!({ "request": request, "client_secret": mk.client_secret })).unwrap();
    let lists = {
        let ws = liaison_core::Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        let client =
            liaison_core::connections::marketo::MarketoClient::load(&ws, &vault, connection["id"].as_str().unwrap())
                .unwrap();
        ws.store()
            .write(|tx| {
                for i in 0..7 {
                    tx.execute(
                        "INSERT INTO people (email_key, email, country) VALUES (?1, ?1, 'Japan')",
                        [format!("p{i}@example.jp")],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        rt.block_on(client.get("/rest/v1/lists.json", &[])).unwrap()
    };
    let destination = json!({ "destination": { "name": "Nurture", "list_id": lists["result"][0]["id"].to_string(),
        "connection_id": connection["id"], "base_url": null, "client_id": null, "accept_privacy_notice": true },
        "client_secret": null });
    invoke(&main, "export_destination_add_marketo", destination).unwrap();
    let rules =
        json!({ "match": "all", "rules": [{ "field": "country", "op": "is", "value": "Japan", "values": [] }] });
    invoke(&main, "segment_create", json!({ "name": "Japan", "definition": rules })).unwrap();
    let export = json!({ "export": { "name": "JP", "destination": "Nurture", "segments": ["Japan"],
        "fields": [{ "attribute": "city", "cache_field": null }], "schedule": { "kind": "every_hours", "hours": 6 } } });
    let saved = invoke(&main, "export_create", export).unwrap();
    assert_eq!(saved["schedule"], json!({ "kind": "every_hours", "hours": 6 }));
    assert_eq!(invoke(&main, "export_history", json!({ "name": "JP", "limit": 10 })).unwrap(), json!([]), "R15");
    let dry = invoke(&main, "export_dry_run", json!({ "name": "JP" })).unwrap();
    assert_eq!(dry["counts"]["added"], 7);

    invoke(&main, "export_start", json!({ "name": "JP" })).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while notices.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the export did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let notice = notices.lock().unwrap()[0].clone();
    assert_eq!(notice.title, "Export “JP” finished");
    assert!(notice.body.starts_with("7 added"), "{}", notice.body);
    let history = invoke(&main, "export_history", json!({ "name": null, "limit": 10 })).unwrap();
    assert_eq!(history[0]["counts"]["added"], 7);
    assert_eq!(history[0]["state"], "succeeded");
    let refused = invoke(&main, "segment_delete", json!({ "name": "Japan" })).unwrap_err();
    assert_eq!(refused["code"], "conflict");
    assert!(refused["message"].as_str().unwrap().contains("JP"), "{refused}");
    rt.block_on(sandbox.shutdown());
}

/// Every live token the sandbox issued.
fn issued_tokens(rt: &tokio::runtime::Runtime, control_url: &str) -> Vec<String> {
    let body =
        rt.block_on(async { reqwest::get(format!("{control_url}/tokens")).await.unwrap().text().await.unwrap() });
    let tokens: Value = serde_json::from_str(&body).unwrap();
    tokens["tokens"].as_array().unwrap().iter().filter_map(|t| t["token"].as_str().map(str::to_owned)).collect()
}

#[test]
fn no_ipc_answer_or_event_of_a_whole_session_carries_a_secret_or_token() {
    use tauri::Listener;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config =
        liaison_sandbox::SandboxConfig { people: 40, auto_approve: true, time_scale: 200.0, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let mut state = AppState::open_with(paths.clone(), Ok(keychain));
    let notices = state.record_notifications();
    state.use_browser(Fetcher);
    let app = app(state);
    let main = window(&app, "main");
    // Every event the webview is sent, and every answer it gets.
    let said = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    for event in ["sync-progress", "sync-finished", "export-progress", "export-finished"] {
        let said = said.clone();
        app.listen_any(event, move |e| said.lock().unwrap().push(e.payload().to_owned()));
    }
    let call = |cmd: &str, args: Value| {
        let answer = invoke(&main, cmd, args);
        said.lock().unwrap().push(format!("{cmd}: {answer:?}"));
        answer
    };

    call("activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let request = json!({ "display_name": "", "base_url": e.marketo.base_url, "client_id": e.marketo.client_id,
        "is_sandbox": true });
    call("connect_marketo", json!({ "request": request, "client_secret": e.marketo.client_secret })).unwrap();
    let request = json!({ "display_name": "", "login_url": e.salesforce.login_url,
        "client_id": e.salesforce.client_id, "is_sandbox": true });
    let sf =
        call("connect_salesforce", json!({ "request": request, "client_secret": e.salesforce.client_secret })).unwrap();
    let request = json!({ "display_name": "Dynamics", "org_url": e.dynamics.org_url,
        "authority_url": e.dynamics.authority_url, "client_id": e.dynamics.client_id,
        "usable_by": { "kind": "administrators" }, "is_sandbox": true, "match_by": { "kind": "email" } });
    let dv = call("connect_dynamics", json!({ "request": request })).unwrap();
    let mut settings = call("sync_settings_get", json!({})).unwrap();
    settings["marketo_history_from"] = json!(liaison_sandbox::Sandbox::data_since());
    settings["log_activities"] = json!(false);
    call("sync_settings_save", json!({ "settings": settings })).unwrap();
    call("sync_estimate", json!({ "full": true })).unwrap();
    call("sync_start", json!({ "full": true })).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while call("sync_status", json!({})).unwrap()["running"] == true {
        assert!(std::time::Instant::now() < deadline, "the sync did not finish");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(call("sync_history", json!({ "limit": 1 })).unwrap()[0]["state"], "succeeded");
    call("segment_create", json!({ "name": "Everyone", "definition": { "match": "all", "rules": [] } })).unwrap();
    let destination = json!({ "name": "Webinar", "connection_id": dv["id"], "list_id": null,
        "new_list": "Webinar", "accept_privacy_notice": true });
    call("export_destination_add_dynamics", json!({ "destination": destination })).unwrap();
    let export = json!({ "name": "Webinar", "destination": "Webinar", "segments": ["Everyone"], "fields": [],
        "schedule": { "kind": "manual" } });
    call("export_create", json!({ "export": export })).unwrap();
    call("export_start", json!({ "name": "Webinar" })).unwrap();
    // The sync may have told the admin it finished too: wait for the export's own notice.
    while !notices.lock().unwrap().iter().any(|n| n.title.starts_with("Export")) {
        assert!(std::time::Instant::now() < deadline, "the export did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for (cmd, args) in [
        ("connections_list", json!({})),
        ("usable_connections", json!({ "kind": "dynamics" })),
        ("integration_info", json!({})),
        ("vault_status", json!({})),
        ("people_search", json!({ "query": "", "limit": 50 })),
        ("export_history", json!({ "name": null, "limit": 10 })),
        ("export_destinations_list", json!({})),
        ("audit_list", json!({ "query": { "action": null, "limit": 500 } })),
        ("runs_list", json!({})),
        ("connection_check", json!({ "connection_id": sf["id"] })),
    ] {
        call(cmd, args).unwrap();
    }
    let run_id = call("export_history", json!({ "name": null, "limit": 1 })).unwrap()[0]["id"].clone();
    call("export_run_rows", json!({ "run_id": run_id, "limit": 100 })).unwrap();

    // Every secret and token of the session: the client secrets, what the vault holds, and every
    // token any of the systems issued.
    let mut secrets = vec![e.salesforce.client_secret.clone(), e.marketo.client_secret.clone()];
    secrets.extend(issued_tokens(&rt, &e.control_url));
    {
        let ws = liaison_core::Workspace::open(paths.clone()).unwrap();
        let vault = Vault::open(ws.store(), &FileKeychain::new(&paths)).unwrap();
        let names: Vec<String> = ws
            .store()
            .read(|c| {
                let mut stmt = c.prepare("SELECT name FROM secrets")?;
                let names = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(names)
            })
            .unwrap();
        assert!(names.len() >= 6, "the vault holds every system's secrets: {names:?}");
        for name in names {
            secrets.push(vault.get(&name).unwrap().unwrap().expose_secret().to_owned());
        }
    }
    call("disconnect", json!({ "connection_id": sf["id"] })).unwrap();
    secrets.retain(|s| s.len() >= 8);
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 7, "secrets of every system were collected: {}", secrets.len());
    let said = said.lock().unwrap();
    assert!(said.len() > 30, "the session was heard: {} answers and events", said.len());
    assert!(said.iter().any(|s| s.starts_with("export_run_rows: Ok")), "the per-row results were read");
    for text in said.iter() {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret ({}…) reached the webview: {text:.200}", &secret[..4]);
        }
    }
    rt.block_on(sandbox.shutdown());
}

#[test]
fn r17_a_campaign_run_is_set_up_and_run_through_ipc_with_a_notification_and_its_history() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = liaison_sandbox::SandboxConfig { people: 20, auto_approve: true, ..Default::default() };
    let sandbox = rt.block_on(liaison_sandbox::Sandbox::start(config)).unwrap();
    let e = sandbox.endpoints().clone();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_dir(dir.path());
    let keychain: Box<dyn Keychain> = Box::new(FileKeychain::new(&paths));
    let mut state = AppState::open_with(paths, Ok(keychain));
    let notices = state.record_notifications();
    state.use_browser(Fetcher);
    let app = app(state);
    let main = window(&app, "main");
    invoke(&main, "activate", json!({ "name": "Ada", "email": "ada@example.com" })).unwrap();
    let request = json!({ "display_name": "Dynamics", "org_url": e.dynamics.org_url,
        "authority_url": e.dynamics.authority_url, "client_id": e.dynamics.client_id,
        "usable_by": { "kind": "administrators" }, "is_sandbox": true, "match_by": { "kind": "email" } });
    let dynamics = invoke(&main, "connect_dynamics", json!({ "request": request })).unwrap();
    let request = json!({ "display_name": "", "base_url": e.campaign.base_url, "ims_url": e.campaign.ims_url,
        "org_id": e.campaign.org_id, "client_id": e.campaign.client_id, "is_sandbox": true });
    let campaign =
        invoke(&main, "connect_campaign", json!({ "request": request, "client_secret": e.campaign.client_secret }))
            .unwrap();
    assert_eq!(invoke(&main, "campaign_link_get", json!({})).unwrap(), Value::Null);
    let link = invoke(
        &main,
        "campaign_link_setup",
        json!({ "dynamics": dynamics["id"], "campaign": campaign["id"], "optout": "both" }),
    )
    .unwrap();
    assert_eq!(link["contact_fields"][0]["field"], "cusCrmContactId");
    let metadata = invoke(&main, "campaign_link_metadata", json!({})).unwrap();
    assert!(metadata["contact"].as_array().unwrap().iter().any(|a| a["name"] == "emailaddress1"));
    let refused = invoke(
        &main,
        "campaign_link_map",
        json!({ "pairs": [{ "attribute": "donotemail", "field": "firstName" }],
        "optout": null }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    let interests = |fields: Value| {
        json!({ "request": { "entity_set": "lia_productinterests", "resource": "cusProductInterest",
            "link": { "attribute": "lia_contactid", "field": "profile" }, "fields": fields } })
    };
    let refused = invoke(
        &main,
        "campaign_entity_map",
        interests(json!([{ "attribute": "lia_interestlevel", "field": "interestLevel" }])),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    assert!(refused["message"].as_str().unwrap().contains("types differ"), "{refused}");
    let link =
        invoke(&main, "campaign_entity_map", interests(json!([{ "attribute": "lia_product", "field": "product" }])))
            .unwrap();
    assert_eq!(link["entities"][0]["resource"], "cusProductInterest", "{link}");

    invoke(&main, "campaign_run_start", json!({ "full": false })).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while notices.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the run did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let notice = notices.lock().unwrap()[0].clone();
    assert_eq!(notice.title, "Campaign ↔ Dynamics 365 run finished", "{}", notice.body);
    let history = invoke(&main, "campaign_history", json!({ "limit": 10 })).unwrap();
    assert_eq!(history[0]["state"], "succeeded", "{history}");
    let counts = &history[0]["counts"];
    assert!(
        counts["profiles_created"].as_u64().unwrap() + counts["profiles_updated"].as_u64().unwrap() > 0,
        "{counts}"
    );
    assert!(notice.body.contains(&format!("{} profiles created", counts["profiles_created"])), "{}", notice.body);
    assert_eq!(invoke(&main, "campaign_run_activity", json!({})).unwrap()["running"], false);
    let run_id = history[0]["id"].clone();
    invoke(&main, "campaign_run_errors", json!({ "run_id": run_id, "limit": 10 })).unwrap();
    let written = counts["entities"].as_u64().unwrap();
    assert!(written > 0, "the sandbox's product interests reached Campaign: {counts}");
    assert!(notice.body.contains(&format!("{written} custom entity records written")), "{}", notice.body);
    let link = invoke(&main, "campaign_entity_unmap", json!({ "entity_set": "lia_productinterests" })).unwrap();
    assert_eq!(link["entities"], json!([]));
    rt.block_on(sandbox.shutdown());
}
