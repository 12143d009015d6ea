// The IPC surface, declared once: every command the webview may call, the context it needs
// from Tauri (`app`, `state`), its arguments with their types, and what it returns. From this
// list come the Tauri commands (`commands::ipc`), the handler, the command names that
// `build.rs` puts under the ACL, and the TypeScript bindings. An argument or result that does
// not match the adapter's signature does not compile; the capability file is checked against
// the names by the IPC contract test.
liaison_ipc_surface! {
    app::app_info[state]() -> AppInfo;
    setup::setup_overview[state]() -> SetupOverview;
    setup::workspace_status[state]() -> WorkspaceStatus;
    setup::step_checklist[](step: SetupStepKey) -> Vec<ChecklistItem>;
    setup::confirm_step[state](step: SetupStepKey, confirmed: Vec<String>) -> SetupOverview;
    setup::verify_crm_package[state]() -> PackageVerification;
    app::get_preferences[state]() -> Preferences;
    app::set_language[state](language: LanguagePreference) -> Preferences;
    integration::activate[state](name: String, email: String) -> Admin;
    integration::acting_admin[state]() -> Option<Admin>;
    integration::switch_admin[state](email: String) -> Admin;
    integration::integration_info[state]() -> IntegrationInfo;
    integration::regenerate_client_secret[state]() -> IntegrationInfo;
    integration::copy_client_secret[app, state]() -> ();
    integration::reveal_client_secret[app, state]() -> ();
    integration::vault_status[state]() -> VaultStatus;
    connections::connections_list[state]() -> Vec<ConnectionSummary>;
    connections::connect_permission[state](kind: ConnectionKind) -> ConnectPermission;
    connections::connect_marketo[state](request: ConnectMarketo, client_secret: Option<String>) -> ConnectionSummary;
    connections::connect_salesforce[state](request: ConnectSalesforce, client_secret: Option<String>) -> ConnectionSummary;
    connections::connect_dynamics[state](request: ConnectDynamics) -> ConnectionSummary;
    connections::connect_campaign[state](request: ConnectCampaign, client_secret: String) -> ConnectionSummary;
    connections::connection_check[state](connection_id: String) -> HealthReport;
    connections::disconnect[state](connection_id: String) -> Disconnected;
    connections::access_list[state](connection_id: String) -> Vec<AccessGrant>;
    connections::grant_access[state](connection_id: String, email: String) -> ();
    connections::revoke_access[state](connection_id: String, email: String) -> ();
    connections::handover_status[state](kind: ConnectionKind) -> Option<Handover>;
    connections::start_handover[state](kind: ConnectionKind, email: String) -> Handover;
    connections::cancel_handover[state](kind: ConnectionKind) -> ();
    sandbox::sandbox_start[state]() -> SandboxInfo;
    sandbox::sandbox_info[state]() -> Option<SandboxInfo>;
    members::members_list[state]() -> Vec<MemberSummary>;
    members::remove_member[state](email: String) -> ();
    members::member_set_teams[state](email: String, teams: Vec<String>) -> MemberSummary;
    invites::teams_list[state]() -> Vec<Team>;
    invites::team_create[state](name: String) -> Team;
    invites::invite_expiry_get[state]() -> u32;
    invites::invite_expiry_set[state](days: u32) -> u32;
    invites::invitations_list[state]() -> Vec<InvitationSummary>;
    invites::outbox_status[state]() -> OutboxStatus;
    invites::invite_user[app, state](request: InviteRequest) -> InvitationSummary;
    invites::invitation_resend[app, state](email: String) -> InvitationSummary;
    invites::invitation_revoke[state](email: String) -> InvitationSummary;
    invites::smtp_settings_get[state]() -> Option<SmtpSettings>;
    invites::smtp_settings_save[state](settings: SmtpSettings, password: Option<String>) -> SmtpSettings;
    invites::smtp_use_sandbox[state]() -> SmtpSettings;
    invites::smtp_send_test[state](to: String) -> ();
    invites::csv_choose_file[app]() -> Option<String>;
    invites::csv_open[state](path: String) -> CsvFile;
    invites::csv_preview[state](path: String, mapping: MappingByName, offset: u64, limit: u32) -> PreviewPage;
    invites::csv_validate[app, state](path: String, mapping: MappingByName, excluded: Vec<u64>) -> ValidationReport;
    invites::csv_send[app, state](path: String, mapping: MappingByName, excluded: Vec<u64>) -> BatchSummary;
    invites::csv_save_results[app, state]() -> Option<String>;
    invites::csv_save_template[app]() -> Option<String>;
    invites::invites_cancel[state]() -> ();
    runs::runs_list[state]() -> Vec<RunSummary>;
    sync::sync_preview[state]() -> FieldPreview;
    sync::sync_save_mapping[state](choices: Vec<FieldChoice>) -> ();
    sync::sync_custom_add[state](field: NewCustomField) -> CustomField;
    sync::sync_custom_remove[state](key: String) -> ();
    sync::sync_custom_choose[state](key: String, selected: bool, rule: ConflictRule) -> ();
    sync::sync_estimate[state](full: bool) -> Estimate;
    sync::sync_start[app, state](full: bool) -> ();
    sync::sync_cancel[state]() -> bool;
    sync::sync_status[state]() -> SyncOverview;
    sync::sync_history[state](limit: u32) -> Vec<SyncRun>;
    sync::sync_run_errors[state](run_id: String, limit: u32) -> Vec<RecordError>;
    sync::sync_settings_get[state]() -> SyncSettings;
    sync::sync_settings_save[state](settings: SyncSettings) -> SyncSettings;
    sync::people_search[state](query: String, limit: u32) -> Vec<Person>;
    segments::segment_fields[state]() -> Vec<SegmentField>;
    segments::segment_preview[state](definition: Definition) -> SegmentPreview;
    segments::segments_list[state]() -> Vec<Segment>;
    segments::segment_create[state](name: String, definition: Definition) -> Segment;
    segments::segment_update[state](name: String, new_name: String, definition: Definition) -> Segment;
    segments::segment_delete[state](name: String) -> ();
    audit::audit_list[state](query: AuditQuery) -> Vec<AuditEntry>;
}
