// A fake Liaison backend for component tests: answers IPC at the command level via Tauri's
// mockIPC and records every call, so tests can assert what the UI asked for.
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AccessGrant,
  Admin,
  AppError,
  AppInfo,
  AuditEntry,
  BatchSummary,
  CampaignLink,
  CampaignSchedule,
  ChecklistItem,
  ConflictRule,
  ConnectCampaign,
  ConnectDynamics,
  ConnectionKind,
  ConnectionSummary,
  ConnectMarketo,
  ConnectSalesforce,
  CsvFile,
  CustomField,
  Destination,
  DryRun,
  Estimate,
  Export,
  ExportActivity,
  ExportCounts,
  ExportRowResult,
  ExportRun,
  FieldPair,
  FieldPreview,
  FieldRow,
  Handover,
  HealthItem,
  HealthReport,
  IntegrationInfo,
  InvitationSummary,
  MemberSummary,
  Metadata,
  NewDynamicsDestination,
  NewExport,
  NewMarketoDestination,
  OptOutCarrier,
  OptOutDirection,
  PackageVerification,
  Prerequisite,
  Person,
  Preferences,
  PreviewPage,
  RecordError,
  RunSummary,
  SandboxInfo,
  Segment,
  SegmentField,
  SegmentPreview,
  SetupOverview,
  SetupStepKey,
  SmtpSettings,
  SyncCounts,
  SyncOverview,
  SyncRun,
  SyncSettings,
  SystemCalls,
  Team,
  TimelinePreview,
  ValidationReport,
  VaultStatus,
  WorkspaceStatus,
} from "../src/lib/api/bindings";

export const appInfo: AppInfo = {
  version: "0.1.0",
  data_dir: "/home/admin/.local/share/liaison",
  log_dir: "/home/admin/.local/state/liaison/logs",
  startup_error: null,
};

export const setupOverview: SetupOverview = {
  done: 2,
  total: 7,
  steps: [
    {
      number: 1,
      key: "workspace",
      persona: "marketo_admin",
      state: "done",
      detail: null,
      updated_at: "2026-11-20T09:15:00Z",
      updated_by: { name: "Ana Admin", email: "ana@acme.example" },
      action_url: null,
    },
    {
      number: 2,
      key: "connect_salesforce",
      persona: "marketo_or_salesforce_admin",
      state: "done",
      detail: null,
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
    {
      number: 3,
      key: "connect_marketo",
      persona: "marketo_admin",
      state: "needs_attention",
      detail: "Marketo rejected the client secret (error 601).",
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
    {
      number: 4,
      key: "start_sync",
      persona: "marketo_admin",
      state: "not_started",
      detail: null,
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
    {
      number: 5,
      key: "invite_users",
      persona: "marketo_admin",
      state: "not_started",
      detail: null,
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
    {
      number: 6,
      key: "crm_package",
      persona: "salesforce_admin",
      state: "not_started",
      detail: null,
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
    {
      number: 7,
      key: "crm_configure",
      persona: "salesforce_admin",
      state: "not_started",
      detail: null,
      updated_at: null,
      updated_by: null,
      action_url: null,
    },
  ],
};

export const workspaceStatus: WorkspaceStatus = {
  workspace_id: "ws_01JD8Q7K3M",
  created_at: "2026-11-20T09:00:00Z",
  activated_at: null,
  original_admin: null,
};

export const connections: ConnectionSummary[] = [
  {
    id: "c1",
    kind: "salesforce",
    display_name: "Acme production org",
    account: "ana@acme.example · org 00D000000000001",
    owner: "ana@acme.example",
    is_sandbox: false,
    created_at: "2026-11-21T10:00:00Z",
    usable_by: null,
    match_by: null,
  },
  {
    id: "c2",
    kind: "salesforce",
    display_name: "Acme test org",
    account: null,
    owner: null,
    is_sandbox: true,
    created_at: "2026-11-21T11:00:00Z",
    usable_by: null,
    match_by: null,
  },
];

export const members: MemberSummary[] = [
  {
    id: "m1",
    email: "ana@acme.example",
    name: "Ana Admin",
    role: "admin",
    status: "active",
    teams: ["Everyone"],
    invited_at: "2026-11-20T09:10:00Z",
    is_original_admin: true,
  },
  {
    id: "m2",
    email: "taro@acme.example",
    name: "山田 太郎",
    role: "user",
    status: "invited",
    teams: ["Everyone", "Sales JP"],
    invited_at: "2026-11-22T08:00:00Z",
    is_original_admin: false,
  },
  {
    id: "m3",
    email: "bob@acme.example",
    name: null,
    role: "user",
    status: "expired",
    teams: ["Everyone"],
    invited_at: null,
    is_original_admin: false,
  },
];

export const runs: RunSummary[] = [
  {
    id: "run-sync-1",
    kind: "sync",
    state: "succeeded",
    started_at: "2026-11-22T10:00:00Z",
    finished_at: "2026-11-22T10:05:00Z",
  },
  {
    id: "run-invite-1",
    kind: "invite",
    state: "succeeded",
    started_at: "2026-11-22T11:00:00Z",
    finished_at: "2026-11-22T11:01:00Z",
  },
];

export const auditEntries: AuditEntry[] = [
  {
    id: 1,
    at: "2026-11-20T09:00:00Z",
    actor: null,
    action: "workspace.create",
    target: "ws_01JD8Q7K3M",
    details: null,
  },
  {
    id: 2,
    at: "2026-11-20T09:10:00Z",
    actor: "ana@acme.example",
    action: "member.invite",
    target: "taro@acme.example",
    details: { team: "Everyone" },
  },
];

export const ana: Admin = { id: "m1", email: "ana@acme.example", name: "Ana Admin", is_original_admin: true };
export const grace: Admin = { id: "m4", email: "grace@acme.example", name: "Grace Hopper", is_original_admin: false };
export const linus: Admin = { id: "m5", email: "linus@acme.example", name: null, is_original_admin: false };

/** Three active admins (ana, grace, linus) and one user, for the ownership and access screens. */
export const adminMembers: MemberSummary[] = [
  members[0]!,
  {
    id: "m4",
    email: "grace@acme.example",
    name: "Grace Hopper",
    role: "admin",
    status: "active",
    teams: ["Everyone"],
    invited_at: "2026-11-21T09:00:00Z",
    is_original_admin: false,
  },
  {
    id: "m5",
    email: "linus@acme.example",
    name: null,
    role: "admin",
    status: "active",
    teams: ["Everyone"],
    invited_at: "2026-11-21T09:05:00Z",
    is_original_admin: false,
  },
  members[1]!,
];

export const notActivated: IntegrationInfo = { activated: false, client_id: null, client_secret_masked: null };
export const activated: IntegrationInfo = {
  activated: true,
  client_id: "lsn_client_4f2a9c",
  client_secret_masked: "••••••••••••k3Q9",
};

export const sandboxInfo: SandboxInfo = {
  salesforce_login_url: "http://127.0.0.1:43117/salesforce",
  salesforce_client_id: "sandbox-sf-client",
  marketo_base_url: "http://127.0.0.1:43117/marketo/rest",
  marketo_client_id: "sandbox-mkto-client",
  dynamics_org_url: "http://127.0.0.1:43117/dynamics",
  dynamics_authority_url: "http://127.0.0.1:43117/microsoft/organizations",
  dynamics_client_id: "sandbox-dyn-client",
  campaign_base_url: "http://127.0.0.1:43117/campaign",
  campaign_ims_url: "http://127.0.0.1:43117/ims",
  campaign_org_id: "sandbox-org",
  campaign_client_id: "sandbox-campaign-client",
  people: 5000,
};

export const marketoConnection: ConnectionSummary = {
  id: "mk1",
  kind: "marketo",
  display_name: "Acme Marketo",
  account: null,
  owner: "ana@acme.example",
  is_sandbox: false,
  created_at: "2026-11-22T09:00:00Z",
  usable_by: null,
  match_by: null,
};

export const grants: AccessGrant[] = [
  { member: "linus@acme.example", granted_by: "ana@acme.example", granted_at: "2026-11-22T09:30:00Z" },
];

export function handover(state: Handover["state"]): Handover {
  return {
    id: "h1",
    kind: "marketo",
    from_admin: "ana@acme.example",
    to_admin: "grace@acme.example",
    state,
    started_at: "2026-11-23T08:00:00Z",
    already_connected: false,
  };
}

export const dynamicsConnection: ConnectionSummary = {
  id: "dy1",
  kind: "dynamics",
  display_name: "Contoso Sales (production)",
  account: null,
  owner: "ana@acme.example",
  is_sandbox: false,
  created_at: "2026-11-22T09:00:00Z",
  usable_by: { kind: "administrators" },
  match_by: { kind: "email" },
};

export const campaignConnection: ConnectionSummary = {
  id: "ac1",
  kind: "campaign",
  display_name: "Acme Campaign",
  account: null,
  owner: "ana@acme.example",
  is_sandbox: false,
  created_at: "2026-11-22T09:00:00Z",
  usable_by: null,
  match_by: null,
};

/** What the backend's health check finds per system: one failing item on Salesforce and Marketo. */
export const healthItems: Record<ConnectionKind, HealthItem[]> = {
  salesforce: [
    { key: "credentials", ok: true, detail: "Signed in as ana@acme.example." },
    { key: "read_contacts", ok: true, detail: "Liaison can read Contact records (42 fields)." },
    { key: "read_leads", ok: true, detail: "Liaison can read Lead records (38 fields)." },
    {
      key: "create_tasks",
      ok: false,
      detail: "The signed-in user cannot create Tasks, so activities cannot be logged. Grant Create on Task.",
    },
    { key: "daily_quota", ok: true, detail: "14500 of 15000 daily API requests left." },
  ],
  marketo: [
    { key: "credentials", ok: true, detail: "Marketo accepted the client ID and secret." },
    { key: "read_leads", ok: true, detail: "Liaison can read the lead database (120 fields)." },
    { key: "lists", ok: true, detail: "Liaison can read static lists." },
    {
      key: "daily_quota",
      ok: false,
      detail:
        "50000 API calls were used today: the default daily quota of 50000 is reached. Jobs wait for the reset at midnight US Central time.",
    },
  ],
  dynamics: [
    { key: "credentials", ok: true, detail: "Dynamics 365 accepted the sign-in (WhoAmI)." },
    { key: "read_contacts", ok: true, detail: "Liaison can read contacts." },
    { key: "read_lists", ok: true, detail: "Liaison can read marketing lists." },
  ],
  campaign: [
    { key: "credentials", ok: true, detail: "Adobe IMS and Campaign accepted the credential; profiles can be read." },
    { key: "read_services", ok: true, detail: "Liaison can read subscription services." },
  ],
};

export const checkedAt = "2026-11-23T12:30:00Z";

/** A health report for `connection` with its system's items (or `items`). */
export function healthReport(connection: ConnectionSummary, items = healthItems[connection.kind]): HealthReport {
  return {
    connection_id: connection.id,
    kind: connection.kind,
    display_name: connection.display_name,
    checked_at: checkedAt,
    items,
  };
}

/** The checklists of steps 6 and 7, as the backend sends them (English text, stable keys). */
export const checklists: Partial<Record<SetupStepKey, ChecklistItem[]>> = {
  crm_package: [
    {
      key: "package_installed",
      text: "The Marketo Sales Insight package is listed in Salesforce under Setup → Installed Packages, at its latest version.",
    },
    {
      key: "installed_for_users",
      text: "The package is installed for the profiles of the sales users who will use it.",
    },
  ],
  crm_configure: [
    {
      key: "actions_settings",
      text: "In Salesforce, the Sales Insight Actions settings are saved and linked to this workspace.",
    },
    { key: "page_layouts", text: "The Sales Insight components are on the Contact and Lead page layouts." },
    { key: "permissions", text: "Sales users have the permission set for Sales Insight Actions." },
  ],
};

/** `overview` with `step` done and confirmed by Ana, as confirm_step answers. */
export function withStepDone(overview: SetupOverview, step: SetupStepKey): SetupOverview {
  const steps = overview.steps.map((s) =>
    s.key === step
      ? {
          ...s,
          state: "done" as const,
          detail: "Confirmed by ana@acme.example",
          updated_at: "2026-11-23T12:00:00Z",
          updated_by: { name: "Ana Admin", email: "ana@acme.example" },
        }
      : s,
  );
  return { ...overview, steps, done: steps.filter((s) => s.state === "done").length };
}

/** What verify_crm_package answers when Salesforce lists Marketo Sales Insight. */
export const installLink = "https://test.salesforce.com/packaging/installPackage.apexp?p0=04t5g0104362001SIA";

export function packageVerification(outcome: PackageVerification["outcome"]): PackageVerification {
  const found = outcome === "installed";
  const attention = outcome === "not_installed" || outcome === "outdated";
  const overview = found
    ? {
        ...setupOverview,
        done: setupOverview.done + 1,
        steps: setupOverview.steps.map((s) =>
          s.key === "crm_package"
            ? {
                ...s,
                state: "done" as const,
                detail:
                  "Verified in Salesforce: Marketo Sales Insight (Marketo Sales Insight 1.4362) is installed in org 00D000000000001.",
                updated_at: "2026-11-23T12:00:00Z",
              }
            : s,
        ),
      }
    : attention
      ? {
          ...setupOverview,
          steps: setupOverview.steps.map((s) =>
            s.key === "crm_package"
              ? {
                  ...s,
                  state: "needs_attention" as const,
                  detail:
                    outcome === "outdated"
                      ? "Marketo Sales Insight 1.4100.0.1 is installed in Salesforce org 00D000000000001, but the newest version is 1.4362.0.1."
                      : "Marketo Sales Insight (mkto_si) is not installed.",
                  updated_at: "2026-11-23T12:00:00Z",
                  action_url: installLink,
                }
              : s,
          ),
        }
      : setupOverview;
  return {
    outcome,
    package: found
      ? {
          namespace: "mkto_si",
          name: "Marketo Sales Insight",
          version: "Marketo Sales Insight 1.4362",
          version_number: { major: 1, minor: 4362, patch: 0, build: 1 },
        }
      : outcome === "outdated"
        ? {
            namespace: "mkto_si",
            name: "Marketo Sales Insight",
            version: "Marketo Sales Insight 1.4100",
            version_number: { major: 1, minor: 4100, patch: 0, build: 1 },
          }
        : null,
    packages_listed: outcome === "access_denied" ? null : found || outcome === "outdated" ? 2 : 1,
    newest_version: { major: 1, minor: 4362, patch: 0, build: 1 },
    install_url: attention ? installLink : null,
    username: "ana@acme.example",
    message: "English text for the CLI",
    overview,
  };
}

/** What setup_prerequisites answers; nothing checked unless told. */
export function prerequisites(
  given: {
    actions?: Prerequisite["state"];
    actionsDetail?: string;
    sync?: Prerequisite["state"];
    syncDetail?: string;
  } = {},
): Prerequisite[] {
  const entry = (
    key: Prerequisite["key"],
    check: Prerequisite["check"],
    state: Prerequisite["state"] = "not_checked",
    detail: string | null = null,
  ): Prerequisite => {
    const answered = state !== "not_checked";
    return {
      key,
      check,
      state,
      detail,
      checked_at: answered ? "2026-11-23T12:00:00Z" : null,
      checked_by: answered ? { name: "Ana Admin", email: "ana@acme.example" } : null,
    };
  };
  return [
    entry("sales_insight_actions", "asked", given.actions, given.actionsDetail),
    entry("marketo_salesforce_sync", "checked", given.sync, given.syncDetail),
  ];
}

export const teams: Team[] = [
  { id: "t1", name: "Everyone", is_default: true },
  { id: "t2", name: "Sales JP", is_default: false },
  { id: "t3", name: "Marketing", is_default: false },
];

export const invitations: InvitationSummary[] = [
  {
    id: "i1",
    email: "taro@acme.example",
    name: "山田 太郎",
    role: "user",
    member_status: "invited",
    teams: ["Everyone", "Sales JP"],
    state: "pending",
    invited_by: "ana@acme.example",
    created_at: "2026-11-22T08:00:00Z",
    expires_at: "2026-11-29T08:00:00Z",
    delivery: "failed",
    delivery_error: "The mail server refused the recipient (550).",
    sent_at: null,
  },
];

export const smtpSettings: SmtpSettings = {
  host: "smtp.acme.example",
  port: 587,
  username: "mailer",
  tls: "starttls",
  from_address: "liaison@acme.example",
  from_name: "Acme Liaison",
};

/** A three-column file: Email Address is suggested as email, Given name as first_name, Dept not mapped. */
export const csvFile: CsvFile = {
  path: "/home/admin/people.csv",
  inspection: {
    file_size: 120,
    encoding: "UTF-8",
    bom: false,
    delimiter: "semicolon",
    header_row: 1,
    columns: [
      { index: 0, header: "Email Address", name: "Email Address", samples: ["a@acme.example", "b@acme.example"] },
      { index: 1, header: "Given name", name: "Given name", samples: ["Aiko", "Ben"] },
      { index: 2, header: "Dept", name: "Dept", samples: ["Sales"] },
    ],
    suggestions: [
      { column: 0, field: "email", confidence: 1, reason: "exact_alias" },
      { column: 1, field: "first_name", confidence: 0.8, reason: "partial_alias" },
    ],
    unmapped_columns: [2],
    suggested_mapping: { email: "Email Address", first_name: "Given name" },
    headers_signature: "sig",
    estimated_rows: 3,
    rows_exact: true,
    notes: ["The file has a byte-order mark."],
  },
  mapping: { email: "Email Address", first_name: "Given name" },
  mapping_was_saved: false,
};

/** The validation of csvFile's three rows: row 3 is invalid; excluded rows are taken off the valid ones. */
export function validationReport(excluded: number[] = []): ValidationReport {
  return {
    encoding: "UTF-8",
    delimiter: "semicolon",
    header_row: 1,
    rows: 3,
    mapping: csvFile.mapping,
    valid: 2 - excluded.filter((row) => row !== 3).length,
    invalid: 1,
    duplicates: 0,
    existing: 0,
    excluded: excluded.length,
    warnings: 0,
    issues: [
      {
        row: 3,
        line: 4,
        field: "email",
        code: "invalid_email",
        severity: "error",
        message: "“not-an-email” is not an email address.",
      },
    ],
    issue_count: 1,
    issues_truncated: false,
    issue_counts: { invalid_email: 1 },
  };
}

export const previewPage: PreviewPage = {
  offset: 0,
  rows: [
    {
      row: 1,
      line: 2,
      email: "a@acme.example",
      first_name: "Aiko",
      last_name: "",
      role: null,
      teams: [],
      status: "valid",
      issues: [],
    },
    {
      row: 2,
      line: 3,
      email: " b@acme.example",
      first_name: "Ben",
      last_name: "",
      role: null,
      teams: [],
      status: "valid",
      issues: [],
    },
    {
      row: 3,
      line: 4,
      email: "not-an-email",
      first_name: "Cy",
      last_name: "",
      role: null,
      teams: [],
      status: "invalid",
      issues: [
        {
          row: 3,
          line: 4,
          field: "email",
          code: "invalid_email",
          severity: "error",
          message: "“not-an-email” is not an email address.",
        },
      ],
    },
  ],
  end_of_file: true,
};

export const batchSummary: BatchSummary = {
  run_id: "run-invite-2",
  rows: 3,
  queued: 1,
  invalid: 1,
  duplicates: 0,
  existing: 0,
  excluded: 1,
  failed: 0,
};

/**
 * The field preview: the email key, two defaults, a field Marketo lacks, then two custom fields:
 * Customer tier (found on every side) and Region (its Marketo field is gone, so it is not synced).
 */
export const fieldPreview: FieldPreview = {
  saved: false,
  rows: [
    {
      field: null,
      custom: null,
      marketo: { name: "email", label: "Email Address", data_type: "email" },
      salesforce_contact: { name: "Email", label: "Email", data_type: "email" },
      salesforce_lead: { name: "Email", label: "Email", data_type: "email" },
      dynamics: { name: "emailaddress1", label: "Email", data_type: "String" },
      compatible: true,
      note: null,
      rule: "salesforce_wins",
      selected: true,
      required: true,
    },
    {
      field: "first_name",
      custom: null,
      marketo: { name: "firstName", label: "First Name", data_type: "string" },
      salesforce_contact: { name: "FirstName", label: "First Name", data_type: "string" },
      salesforce_lead: { name: "FirstName", label: "First Name", data_type: "string" },
      dynamics: { name: "firstname", label: "First Name", data_type: "String" },
      compatible: true,
      note: null,
      rule: "salesforce_wins",
      selected: true,
      required: false,
    },
    {
      field: "unsubscribed",
      custom: null,
      marketo: { name: "unsubscribed", label: "Unsubscribed", data_type: "boolean" },
      salesforce_contact: { name: "HasOptedOutOfEmail", label: "Email Opt Out", data_type: "boolean" },
      salesforce_lead: { name: "HasOptedOutOfEmail", label: "Email Opt Out", data_type: "boolean" },
      dynamics: { name: "donotbulkemail", label: "Do not allow Bulk Emails", data_type: "Boolean" },
      compatible: true,
      note: null,
      rule: "marketo_wins",
      selected: true,
      required: false,
    },
    {
      field: "lead_owner",
      custom: null,
      marketo: null,
      salesforce_contact: { name: "OwnerId", label: "Owner ID", data_type: "reference" },
      salesforce_lead: { name: "OwnerId", label: "Owner ID", data_type: "reference" },
      dynamics: { name: "ownerid", label: "Owner", data_type: "Owner" },
      compatible: false,
      note: "Marketo has no lead owner field, so only Salesforce's value is kept.",
      rule: "salesforce_wins",
      selected: true,
      required: false,
    },
    {
      field: null,
      custom: { key: "custom_customer_tier", label: "Customer tier" },
      marketo: { name: "customerTier", label: "Customer Tier", data_type: "string" },
      salesforce_contact: { name: "Customer_Tier__c", label: "Customer Tier", data_type: "picklist" },
      salesforce_lead: { name: "Customer_Tier__c", label: "Customer Tier", data_type: "picklist" },
      dynamics: { name: "new_customertier", label: "Customer Tier", data_type: "Picklist" },
      compatible: true,
      note: null,
      rule: "most_recent",
      selected: true,
      required: false,
    },
    {
      field: null,
      custom: { key: "custom_region", label: "Region" },
      marketo: null,
      salesforce_contact: { name: "Region__c", label: "Region", data_type: "string" },
      salesforce_lead: { name: "Region__c", label: "Region", data_type: "string" },
      dynamics: null,
      compatible: false,
      note: 'Marketo has no field "region" (it no longer exists or the API user cannot read it).',
      rule: "salesforce_wins",
      selected: false,
      required: false,
    },
  ],
};

/** What the preview shows for a custom field just added (the mock finds every name it is given). */
function customRow(field: CustomField): FieldRow {
  const side = (name: string | null) => (name ? { name, label: field.label, data_type: "string" } : null);
  return {
    field: null,
    custom: { key: field.key, label: field.label },
    marketo: side(field.marketo),
    salesforce_contact: side(field.salesforce_contact),
    salesforce_lead: side(field.salesforce_lead),
    dynamics: null,
    compatible: true,
    note: null,
    rule: field.rule,
    selected: field.selected,
    required: false,
  };
}

/** The preview's rows as the mocked backend has them now (custom fields are added and removed). */
let previewRows: FieldRow[] = fieldPreview.rows;

export function estimate(full: boolean, blocked: string | null = null): Estimate {
  return {
    full,
    marketo_calls: full ? 1240 : 12,
    marketo_used_today: 2000,
    marketo_daily_quota: 50000,
    salesforce_calls: full ? 310 : 4,
    salesforce_remaining: 14500,
    salesforce_daily_max: 15000,
    marketo_ceiling: 25000,
    salesforce_ceiling: 7500,
    seconds: full ? 600 : 20,
    blocked,
  };
}

export function counts(values: Partial<SyncCounts> = {}): SyncCounts {
  return {
    fetched: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    conflicts: 0,
    duplicates: 0,
    deleted: 0,
    tasks_logged: 0,
    errors: 0,
    marketo_calls: 0,
    salesforce_calls: 0,
    dynamics_calls: 0,
    ...values,
  };
}

export const syncRuns: SyncRun[] = [
  {
    id: "sync-2",
    state: "failed",
    full: false,
    started_at: "2026-11-23T10:15:00Z",
    finished_at: "2026-11-23T10:16:00Z",
    counts: counts({ fetched: 3 }),
    error: "Marketo rejected the client secret (error 601). Reconnect it in Settings, then start the sync again.",
  },
  {
    id: "sync-1",
    state: "succeeded",
    full: true,
    started_at: "2026-11-23T10:00:00Z",
    finished_at: "2026-11-23T10:05:00Z",
    counts: counts({
      fetched: 2400,
      created: 1800,
      updated: 120,
      unchanged: 0,
      conflicts: 7,
      duplicates: 3,
      tasks_logged: 55,
      errors: 2,
    }),
    error: null,
  },
];

/** The UTC date `daysAgo` days before today (`YYYY-MM-DD`), as the calls per day are dated. */
export function utcDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** API calls per day by sync runs: Salesforce's limit not read yet, Dynamics 365 without one. */
export const syncCalls: SystemCalls[] = [
  {
    system: "marketo",
    daily_quota: 50000,
    days: [
      { day: utcDay(1), calls: 1200 },
      { day: utcDay(0), calls: 340 },
    ],
  },
  { system: "salesforce", daily_quota: null, days: [{ day: utcDay(0), calls: 85 }] },
  { system: "dynamics", daily_quota: null, days: [{ day: utcDay(0), calls: 12 }] },
];

/** API calls per day by export runs (to a Marketo list). */
export const exportCalls: SystemCalls[] = [
  { system: "marketo", daily_quota: 50000, days: [{ day: utcDay(2), calls: 5 }] },
];

export const recordErrors: RecordError[] = [
  {
    system: "marketo",
    record_id: "1042",
    email: null,
    code: "missing_email",
    message: "The lead has no email address, so it cannot be matched.",
  },
  {
    system: "salesforce",
    record_id: "003000000000042AAA",
    email: "x@acme.example",
    code: "malformed",
    message: "The record's LastModifiedDate is not a date.",
  },
];

export const syncSettings: SyncSettings = {
  schedule_minutes: 15,
  log_activities: true,
  quota_ceiling_percent: 50,
  marketo_daily_quota: 50000,
  marketo_history_from: "2023-04-01",
  activity_history_days: 30,
  dynamics_connection: null,
};

export const syncOverview: SyncOverview = {
  status: {
    people: 1800,
    connected: true,
    last_run: syncRuns[1]!,
    interrupted: false,
    incremental_ready: true,
    settings: syncSettings,
  },
  current: null,
  running: false,
};

export const people: Person[] = [
  {
    email: "aiko.tanaka@example.jp",
    first_name: "Aiko",
    last_name: "Tanaka",
    company: "Tanaka Trading",
    marketo_id: "1001",
    sf_contact_id: "003000000000001AAA",
    sf_lead_id: null,
    dyn_contact_id: "5f1c2a4e-0000-4000-8000-000000000001",
    unsubscribed: false,
    dynamics: {
      connection_id: "dy1",
      by: { kind: "email" },
      result: { kind: "matched", contact_id: "5f1c2a4e-0000-4000-8000-000000000001" },
    },
    provenance: {
      first_name: "salesforce",
      last_name: "salesforce",
      company: "salesforce",
      city: "salesforce",
      unsubscribed: "marketo",
    },
    values: {
      first_name: "Aiko",
      last_name: "Tanaka",
      company: "Tanaka Trading",
      city: "Osaka",
      unsubscribed: "false",
    },
  },
  {
    email: "ben.lee@acme.example",
    first_name: "Ben",
    last_name: "Lee",
    company: null,
    marketo_id: "1002",
    sf_contact_id: null,
    sf_lead_id: "00Q000000000002AAA",
    dyn_contact_id: null,
    unsubscribed: null,
    dynamics: {
      connection_id: "dy1",
      by: { kind: "email" },
      result: {
        kind: "ambiguous",
        contact_ids: ["5f1c2a4e-0000-4000-8000-000000000002", "5f1c2a4e-0000-4000-8000-000000000003"],
      },
    },
    provenance: { first_name: "marketo" },
    values: { first_name: "Ben" },
  },
];

/** The fields a segment rule may name: one of each kind, and a custom sync field. */
export const segmentFields: SegmentField[] = [
  { key: "email", label: "Email", kind: "text", custom: false },
  { key: "country", label: "country", kind: "text", custom: false },
  { key: "unsubscribed", label: "unsubscribed", kind: "flag", custom: false },
  { key: "updated_at", label: "updated at", kind: "date", custom: false },
  { key: "known_in", label: "known in", kind: "known", custom: false },
  { key: "custom_industry", label: "Industry", kind: "text", custom: true },
];

export const segments: Segment[] = [
  {
    id: "seg1",
    name: "Japan",
    definition: {
      match: "all",
      rules: [
        { field: "country", op: "is", value: "Japan", values: [] },
        { field: "unsubscribed", op: "is", value: "no", values: [] },
      ],
    },
    created_at: "2026-11-24T09:00:00Z",
    updated_at: "2026-11-24T10:00:00Z",
    problem: null,
  },
  {
    id: "seg2",
    name: "Old industry",
    definition: { match: "any", rules: [{ field: "custom_tier", op: "is", value: "Gold", values: [] }] },
    created_at: "2026-11-24T09:00:00Z",
    updated_at: "2026-11-24T09:00:00Z",
    problem: "The field “custom_tier” no longer exists: it was removed from the sync.",
  },
];

export const segmentPreview: SegmentPreview = {
  count: 1234,
  sample: [
    {
      email: "aiko.tanaka@example.jp",
      first_name: "Aiko",
      last_name: "Tanaka",
      company: "Tanaka Trading",
      country: "Japan",
    },
    { email: "ken@example.jp", first_name: null, last_name: null, company: null, country: "Japan" },
  ],
};

/** The data-privacy notice as the backend sends it (in the admin's language). */
export const privacyNotice =
  "Data privacy and compliance: exporting sends the personal data of the people in your segments out of this workspace into the destination you choose. From then on the data is outside this workspace's compliance boundary, and your company is responsible for how it is used, stored and protected there.";

/** Two Marketo destinations: one through the workspace's connection (mk1), one with its own credentials. */
export const destinations: Destination[] = [
  {
    id: "d1",
    kind: "marketo",
    name: "JP newsletter",
    marketo: { list_id: 1042, list_name: "Newsletter – Japan", access: { via: "connection", connection_id: "mk1" } },
    dynamics: null,
    privacy_accepted_by: "ana@acme.example",
    privacy_accepted_at: "2026-11-24T09:00:00Z",
    export_users: ["ana@acme.example", "grace@acme.example"],
    created_at: "2026-11-24T09:00:00Z",
  },
  {
    id: "d2",
    kind: "marketo",
    name: "Partner webinar",
    marketo: {
      list_id: 2077,
      list_name: "Webinar partners 2026",
      access: { via: "own", base_url: "https://123-ABC-456.mktorest.com", client_id: "partner-client-7" },
    },
    dynamics: null,
    privacy_accepted_by: "grace@acme.example",
    privacy_accepted_at: "2026-11-25T14:30:00Z",
    export_users: ["grace@acme.example"],
    created_at: "2026-11-25T14:30:00Z",
  },
];

/**
 * A Dynamics 365 destination on the workspace's Dynamics connection (dy1), whose marketing list
 * Liaison created. Not in `destinations`: tests that want it add it (see `withDynamics`).
 */
export const dynamicsDestination: Destination = {
  id: "d3",
  kind: "dynamics",
  name: "Contoso newsletter",
  marketo: null,
  dynamics: {
    connection_id: "dy1",
    list_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    list_name: "Newsletter – Contoso",
    created_by_liaison: true,
  },
  privacy_accepted_by: "ana@acme.example",
  privacy_accepted_at: "2026-11-28T09:00:00Z",
  export_users: ["ana@acme.example"],
  created_at: "2026-11-28T09:00:00Z",
};

/** What export_destination_delete_confirmation answers for `name`. */
export function deleteConfirmation(name: string): string {
  const destination = [...destinations, dynamicsDestination].find((d) => d.name === name);
  const stays = destination?.dynamics
    ? `The marketing list “${destination.dynamics.list_name}” stays in Dynamics 365 as it is, with its members.`
    : `The static list “${destination?.marketo?.list_name ?? "?"}” stays in Marketo as it is, with its members.`;
  return `Delete “${name}”? Its exports stop and are removed; their run history stays readable. ${stays}`;
}

/** Two exports: “JP weekly” to JP newsletter with names and country, and one with a problem. */
export const exportsFixture: Export[] = [
  {
    id: "e1",
    name: "JP weekly",
    destination_id: "d1",
    destination: "JP newsletter",
    segments: ["Japan"],
    mapping: [
      { attribute: "email", cache_field: "email", target_field: "email" },
      { attribute: "first_name", cache_field: "first_name", target_field: "firstName" },
      { attribute: "country", cache_field: "country", target_field: "country" },
    ],
    schedule: { kind: "every_hours", hours: 24 },
    created_at: "2026-11-26T09:00:00Z",
    updated_at: "2026-11-26T09:00:00Z",
    problem: null,
  },
  {
    id: "e2",
    name: "Gold partners",
    destination_id: "d2",
    destination: "Partner webinar",
    segments: ["Japan", "Old industry"],
    mapping: [{ attribute: "email", cache_field: "email", target_field: "email" }],
    schedule: { kind: "after_sync" },
    created_at: "2026-11-26T09:00:00Z",
    updated_at: "2026-11-26T09:00:00Z",
    problem: "The field “custom_tier” no longer exists: it was removed from the sync.",
  },
];

/** An export to the Dynamics 365 destination: it maps email only (R14: nothing else is sent). */
export const dynamicsExport: Export = {
  id: "e3",
  name: "Contoso weekly",
  destination_id: "d3",
  destination: "Contoso newsletter",
  segments: ["Japan"],
  mapping: [{ attribute: "email", cache_field: "email", target_field: "emailaddress1" }],
  schedule: { kind: "manual" },
  created_at: "2026-11-28T09:30:00Z",
  updated_at: "2026-11-28T09:30:00Z",
  problem: null,
};

/** The Dynamics connection, destination and export on top of the defaults. */
export const withDynamics = {
  connections_list: () => [...connections, marketoConnection, dynamicsConnection],
  export_destinations_list: () => [...destinations, dynamicsDestination],
  exports_list: () => [...exportsFixture, dynamicsExport],
};

/** The export as export_create/export_update answer it for `request`. */
export function savedExport(request: NewExport): Export {
  const target: Record<string, string> = {
    email: "email",
    first_name: "firstName",
    last_name: "lastName",
    city: "city",
    state: "state",
    country: "country",
  };
  return {
    ...exportsFixture[0]!,
    id: "e-new",
    name: request.name,
    destination: request.destination,
    segments: request.segments,
    mapping: request.fields.map((f) => ({
      attribute: f.attribute,
      cache_field: f.cache_field ?? f.attribute,
      target_field: target[f.attribute] ?? f.attribute,
    })),
    schedule: request.schedule,
  };
}

export const dryRunFixture: DryRun = {
  export: "JP weekly",
  counts: { people: 1234, added: 1000, updated: 200, removed: 5, unchanged: 27, skipped: 2, unmatched: 0 },
  added: ["aiko.tanaka@example.jp", "ken@example.jp"],
  updated: ["ben.lee@acme.example"],
  removed: ["gone@example.jp"],
  unchanged: [],
  skipped: [
    { email: "not-an-email", reason: "The email is not valid." },
    { email: "", reason: "No email." },
  ],
  unmatched: [],
  files: 1,
};

/** A dry run of the Dynamics export: three people have no contact (a sample of two is sent). */
export const dynamicsDryRunFixture: DryRun = {
  export: "Contoso weekly",
  counts: { people: 40, added: 30, updated: 0, removed: 2, unchanged: 5, skipped: 0, unmatched: 3 },
  added: ["aiko.tanaka@example.jp"],
  updated: [],
  removed: ["gone@contoso.example"],
  unchanged: [],
  skipped: [],
  unmatched: [
    { email: "nobody@example.jp", reason: "No Dynamics 365 contact has this email." },
    { email: "twice@example.jp", reason: "Two Dynamics 365 contacts match; none was chosen." },
  ],
  files: 2,
};

export function exportCounts(overrides: Partial<ExportCounts> = {}): ExportCounts {
  return {
    people: 1234,
    added: 1000,
    updated: 200,
    removed: 5,
    unchanged: 27,
    skipped: 2,
    unmatched: 0,
    failed: 1,
    warnings: 0,
    files: 1,
    calls: 4,
    ...overrides,
  };
}

/** The export history, newest first: a run with row results and a failed one. */
export const exportRuns: ExportRun[] = [
  {
    id: "xr2",
    export: "JP weekly",
    state: "succeeded",
    started_at: "2026-11-27T09:00:00Z",
    finished_at: "2026-11-27T09:02:05Z",
    seconds: 125.4,
    counts: exportCounts(),
    error: null,
  },
  {
    id: "xr1",
    export: "Gold partners",
    state: "failed",
    started_at: "2026-11-26T09:00:00Z",
    finished_at: "2026-11-26T09:00:03Z",
    seconds: 3,
    counts: exportCounts({
      people: 0,
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      files: 0,
      calls: 1,
    }),
    error: "Marketo refused the access token.",
  },
];

export const exportRowResults: ExportRowResult[] = [
  { email: "bad@example.jp", outcome: "failed", reason: "1004: Lead not found" },
  { email: "warn@example.jp", outcome: "warning", reason: "1006: Field 'country' not found" },
  { email: null, outcome: "skipped", reason: "No email." },
];

/** A Dynamics run's per-row results: people no contact stands for. */
export const dynamicsRowResults: ExportRowResult[] = [
  { email: "nobody@example.jp", outcome: "unmatched", reason: "No Dynamics 365 contact has this email." },
  { email: "old@example.jp", outcome: "unmatched", reason: "The only matching contact is inactive." },
];

const idle: ExportActivity = { current: null, running: false };

/** The attributes that carry an opt-out between Dynamics 365 and Campaign. */
export const optOutCarriers: OptOutCarrier[] = [
  { attribute: "donotbulkemail", field: "blackListEmail", to_dynamics: true },
  { attribute: "donotemail", field: "blackListEmail", to_dynamics: false },
];

/** Both systems' fields, as the Campaign ↔ Dynamics 365 mapping offers them. */
export const campaignMetadata: Metadata = {
  contact: [
    { name: "emailaddress1", dataverse_type: "String", field_type: "text", max_length: 100 },
    { name: "firstname", dataverse_type: "String", field_type: "text", max_length: 50 },
    { name: "jobtitle", dataverse_type: "String", field_type: "text", max_length: 100 },
    { name: "donotemail", dataverse_type: "Boolean", field_type: "boolean", max_length: null },
  ],
  profile: [
    {
      name: "age",
      label: "Age",
      campaign_type: "number",
      field_type: "number",
      length: null,
      read_only: true,
      extension: false,
    },
    {
      name: "cusCrmContactId",
      label: "CRM contact ID",
      campaign_type: "string",
      field_type: "text",
      length: 36,
      read_only: false,
      extension: true,
    },
    {
      name: "cusJobTitle",
      label: "Job title",
      campaign_type: "string",
      field_type: "text",
      length: 100,
      read_only: false,
      extension: true,
    },
    {
      name: "email",
      label: "Email",
      campaign_type: "string",
      field_type: "text",
      length: 128,
      read_only: false,
      extension: false,
    },
    {
      name: "firstName",
      label: "First name",
      campaign_type: "string",
      field_type: "text",
      length: 30,
      read_only: false,
      extension: false,
    },
  ],
};

/** A link as the backend keeps it after setup. */
export function campaignLink(optout: OptOutDirection, fields: FieldPair[] = []): CampaignLink {
  return {
    dynamics_connection: dynamicsConnection.id,
    campaign_connection: campaignConnection.id,
    optout,
    contact_fields: [{ attribute: "contactid", field: "cusCrmContactId" }, ...fields],
    entities: [],
    changed_by: "ada@example.com",
    changed_at: "2026-12-07T09:00:00Z",
  };
}

/** A contact's timeline: one activity in Dynamics 365 now, and a click the next run adds. */
export const timelinePreview: TimelinePreview = {
  contact_id: "9d3c1b7e-0000-4000-8000-000000000001",
  name: "Ana Lima",
  email: "ana@example.com",
  profile: "@pKey1",
  entries: [
    {
      state: "next_run",
      activity_type: "lia_emailevent",
      event: "clicked",
      subject: "Email link clicked: “Winter offers”",
      at: "2026-12-06T09:30:00Z",
      url: "https://www.example.com/winter",
    },
    {
      state: "on_timeline",
      activity_type: "lia_emailevent",
      event: null,
      subject: "Email sent: “Winter offers”",
      at: "2026-12-05T08:00:00Z",
      url: null,
    },
  ],
};

const knownConnections = [...connections, marketoConnection, dynamicsConnection, campaignConnection];

type Handler = (args: Record<string, unknown>) => unknown;

const defaults: Record<string, Handler> = {
  app_info: () => appInfo,
  app_painted: () => null,
  get_preferences: (): Preferences => ({ language: "en" }),
  set_language: (args): Preferences => ({ language: args.language as Preferences["language"] }),
  setup_overview: () => setupOverview,
  workspace_status: () => workspaceStatus,
  connections_list: () => connections,
  // usable_connections: by default every connection of the kind that connections_list answers (see mockBackend).
  connection_set_usable_by: () => null,
  members_list: () => members,
  runs_list: () => runs,
  runs_calls_per_day: (args) => (args.kind === "export" ? exportCalls : syncCalls),
  acting_admin: (): Admin | null => null,
  access_email: () => null,
  switch_admin: (args): Admin => ({ ...grace, email: args.email as string }),
  activate: (args): Admin => ({
    id: "m9",
    email: args.email as string,
    name: args.name as string,
    is_original_admin: true,
  }),
  integration_info: () => notActivated,
  regenerate_client_secret: () => activated,
  copy_client_secret: () => null,
  reveal_client_secret: () => null,
  vault_status: (): VaultStatus => ({ keychain: "os", warning: null }),
  connect_permission: () => ({ allowed: true, reason: null }),
  connect_marketo: (args): ConnectionSummary => {
    const request = args.request as ConnectMarketo;
    return {
      id: "mk-new",
      kind: "marketo",
      display_name: request.display_name,
      account: null,
      owner: null,
      is_sandbox: request.is_sandbox,
      created_at: "2026-11-23T10:00:00Z",
      usable_by: null,
      match_by: null,
    };
  },
  connect_salesforce: (args): ConnectionSummary => {
    const request = args.request as ConnectSalesforce;
    return {
      id: "sf-new",
      kind: "salesforce",
      display_name: request.display_name,
      account: null,
      owner: null,
      is_sandbox: request.is_sandbox,
      created_at: "2026-11-23T10:00:00Z",
      usable_by: null,
      match_by: null,
    };
  },
  connect_dynamics: (args): ConnectionSummary => {
    const request = args.request as ConnectDynamics;
    return {
      id: "dy-new",
      kind: "dynamics",
      display_name: request.display_name,
      account: null,
      owner: null,
      is_sandbox: request.is_sandbox,
      created_at: "2026-11-23T10:00:00Z",
      usable_by: request.usable_by,
      match_by: request.match_by,
    };
  },
  connect_campaign: (args): ConnectionSummary => {
    const request = args.request as ConnectCampaign;
    return {
      id: "ac-new",
      kind: "campaign",
      display_name: request.display_name,
      account: null,
      owner: null,
      is_sandbox: request.is_sandbox,
      created_at: "2026-11-23T10:00:00Z",
      usable_by: null,
      match_by: null,
    };
  },
  connection_check: (args): HealthReport => {
    const connection = knownConnections.find((c) => c.id === args.connection_id);
    if (!connection)
      throw {
        code: "not_found",
        message: "That connection does not exist or was disconnected.",
        details: null,
      } satisfies AppError;
    return healthReport(connection);
  },
  step_checklist: (args): ChecklistItem[] => {
    const items = checklists[args.step as SetupStepKey];
    if (!items)
      throw {
        code: "invalid_input",
        message: "This step has no checklist; it completes itself.",
        details: null,
      } satisfies AppError;
    return items;
  },
  confirm_step: (args): SetupOverview => withStepDone(setupOverview, args.step as SetupStepKey),
  verify_crm_package: () => packageVerification("installed"),
  setup_prerequisites: () => prerequisites(),
  confirm_sales_insight_actions: (args) =>
    prerequisites({
      actions: args.enabled ? "met" : "not_met",
      actionsDetail: args.enabled
        ? "Confirmed enabled by ana@acme.example."
        : "ana@acme.example said it is not enabled yet.",
    }),
  check_marketo_salesforce_sync: () =>
    prerequisites({
      sync: "met",
      syncDetail:
        "Configured: 120 of the 200 most recently changed Salesforce contacts and leads carry their Salesforce ID in Marketo.",
    }),
  disconnect: (args) => {
    const id = args.connection_id as string;
    const kind = knownConnections.find((c) => c.id === id)?.kind ?? "salesforce";
    return { connection_id: id, kind, revoked: kind === "salesforce", revoke_error: null };
  },
  access_list: () => [],
  grant_access: () => null,
  revoke_access: () => null,
  handover_status: () => null,
  start_handover: () => handover("grant_removed"),
  cancel_handover: () => null,
  sandbox_start: () => sandboxInfo,
  sandbox_info: () => null,
  remove_member: () => null,
  teams_list: () => teams,
  team_create: (args): Team => ({ id: "t-new", name: (args.name as string).trim(), is_default: false }),
  member_set_teams: (args): MemberSummary => {
    const member = [...members, ...adminMembers].find((m) => m.email === args.email);
    if (!member)
      throw {
        code: "not_found",
        message: `${String(args.email)} is not a member of this workspace.`,
        details: null,
      } satisfies AppError;
    return { ...member, teams: ["Everyone", ...(args.teams as string[])] };
  },
  invite_expiry_get: () => 3,
  invite_expiry_set: (args) => args.days,
  invitations_list: () => invitations,
  smtp_settings_get: () => smtpSettings,
  smtp_settings_save: (args) => args.settings,
  smtp_use_sandbox: (): SmtpSettings => ({
    host: "127.0.0.1",
    port: 43125,
    username: null,
    tls: "none",
    from_address: "liaison@sandbox.test",
    from_name: null,
  }),
  smtp_send_test: () => null,
  invite_user: (args): InvitationSummary => {
    const request = args.request as { email: string; name: string | null; role: "admin" | "user"; teams: string[] };
    return {
      ...invitations[0]!,
      id: "i-new",
      email: request.email,
      name: request.name,
      role: request.role,
      teams: ["Everyone", ...request.teams],
      delivery: "queued",
      delivery_error: null,
    };
  },
  invitation_resend: () => invitations[0],
  invitation_revoke: () => ({ ...invitations[0]!, state: "revoked" }),
  invites_cancel: () => null,
  csv_choose_file: () => null,
  csv_open: () => csvFile,
  csv_validate: (args) => validationReport(args.excluded as number[]),
  csv_preview: () => previewPage,
  csv_send: () => batchSummary,
  csv_save_results: () => "/home/admin/results.csv",
  csv_save_template: () => "/home/admin/template.csv",
  sync_status: () => syncOverview,
  sync_preview: (): FieldPreview => ({ ...fieldPreview, rows: previewRows }),
  sync_custom_add: (args): CustomField => {
    const request = args.field as Omit<CustomField, "key" | "selected">;
    const words = request.label
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
    const field: CustomField = { ...request, key: `custom_${words.join("_")}`, selected: true };
    const taken = previewRows.find((row) => row.custom?.key === field.key);
    if (taken)
      throw {
        code: "conflict",
        message: `A custom field named "${field.label}" exists already.`,
        details: null,
      } satisfies AppError;
    previewRows = [...previewRows, customRow(field)];
    return field;
  },
  sync_custom_remove: (args) => {
    if (!previewRows.some((row) => row.custom?.key === args.key)) {
      throw {
        code: "not_found",
        message: `There is no custom field "${String(args.key)}".`,
        details: null,
      } satisfies AppError;
    }
    previewRows = previewRows.filter((row) => row.custom?.key !== args.key);
    return null;
  },
  sync_custom_choose: (args) => {
    const row = previewRows.find((candidate) => candidate.custom?.key === args.key);
    if (!row)
      throw {
        code: "not_found",
        message: `There is no custom field "${String(args.key)}".`,
        details: null,
      } satisfies AppError;
    previewRows = previewRows.map((r) =>
      r === row ? { ...r, selected: args.selected as boolean, rule: args.rule as ConflictRule } : r,
    );
    return null;
  },
  sync_save_mapping: () => null,
  sync_estimate: (args) => estimate(args.full as boolean),
  sync_start: () => null,
  sync_cancel: () => true,
  sync_history: () => syncRuns,
  sync_run_errors: () => recordErrors,
  sync_settings_get: () => syncSettings,
  sync_settings_save: (args) => args.settings,
  people_search: (args) => {
    const query = (args.query as string).toLowerCase();
    return people.filter((p) =>
      [p.email, p.first_name, p.last_name, p.company].some((v) => v?.toLowerCase().includes(query)),
    );
  },
  segment_fields: () => segmentFields,
  segments_list: () => segments,
  segment_preview: () => segmentPreview,
  segment_create: (args): Segment => ({
    ...segments[0]!,
    id: "seg-new",
    name: args.name as string,
    definition: args.definition as Segment["definition"],
  }),
  segment_update: (args): Segment => ({
    ...segments.find((s) => s.name === args.name)!,
    name: args.new_name as string,
    definition: args.definition as Segment["definition"],
  }),
  segment_delete: () => null,
  export_privacy_notice: () => privacyNotice,
  export_destinations_list: () => destinations,
  export_destination_add_marketo: (args): Destination => {
    const request = args.destination as NewMarketoDestination;
    return {
      id: "d-new",
      kind: "marketo",
      name: request.name,
      marketo: {
        list_id: Number(request.list_id),
        list_name: "Webinar attendees",
        access: request.connection_id
          ? { via: "connection", connection_id: request.connection_id }
          : { via: "own", base_url: request.base_url ?? "", client_id: request.client_id ?? "" },
      },
      dynamics: null,
      privacy_accepted_by: "ana@acme.example",
      privacy_accepted_at: "2026-11-26T10:00:00Z",
      export_users: ["ana@acme.example"],
      created_at: "2026-11-26T10:00:00Z",
    };
  },
  export_destination_add_dynamics: (args): Destination => {
    const request = args.destination as NewDynamicsDestination;
    return {
      ...dynamicsDestination,
      id: "d-new",
      name: request.name,
      dynamics: {
        connection_id: request.connection_id,
        list_id: request.list_id ?? "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
        list_name: request.new_list ?? "Contoso events",
        created_by_liaison: request.list_id === null,
      },
      privacy_accepted_at: "2026-11-28T10:00:00Z",
      created_at: "2026-11-28T10:00:00Z",
    };
  },
  export_destination_delete_confirmation: (args) => deleteConfirmation(args.name as string),
  export_destination_delete: () => null,
  export_destination_add_user: (args): Destination => {
    const destination = destinations.find((d) => d.name === args.name)!;
    return { ...destination, export_users: [...destination.export_users, args.email as string] };
  },
  exports_list: () => exportsFixture,
  export_create: (args) => savedExport(args.export as NewExport),
  export_update: (args) => savedExport(args.export as NewExport),
  export_delete: () => null,
  export_dry_run: (args) => ({ ...dryRunFixture, export: args.name as string }),
  export_start: () => null,
  export_cancel: () => true,
  export_activity: () => idle,
  export_history: () => exportRuns,
  export_run_rows: () => exportRowResults,
  export_results_save: () => "/home/admin/export-results.csv",
  campaign_link_get: () => null,
  campaign_history: () => [],
  campaign_run_activity: () => ({ current: null, running: false }),
  campaign_optout_carriers: () => optOutCarriers,
  campaign_schedule_get: (): CampaignSchedule => ({ every_minutes: 0, changed_by: null, changed_at: null }),
  campaign_schedule_set: (args): CampaignSchedule => ({
    every_minutes: args.every_minutes as number,
    changed_by: "ada@example.com",
    changed_at: "2026-12-07T10:00:00Z",
  }),
  campaign_timeline: (): TimelinePreview => timelinePreview,
  audit_list: (args) => {
    const query = args.query as { action: string | null };
    return query.action ? auditEntries.filter((entry) => entry.action === query.action) : auditEntries;
  },
};

export type Call = { cmd: string; args: Record<string, unknown> };

/** Installs the fake backend; `overrides` replace single commands. Returns the call log. */
export function mockBackend(overrides: Record<string, Handler> = {}): Call[] {
  const calls: Call[] = [];
  previewRows = fieldPreview.rows;
  const handlers = { ...defaults, ...overrides };
  // Unless a test says otherwise, the signed-in admin may use every connection in the list.
  if (!("usable_connections" in overrides)) {
    handlers.usable_connections = async (args) =>
      ((await handlers.connections_list!({})) as ConnectionSummary[]).filter((c) => c.kind === args.kind);
  }
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handler = handlers[cmd];
      if (!handler) throw { code: "not_found", message: `No mock for ${cmd}`, details: null } satisfies AppError;
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** A handler that fails the way the Rust side does: with an AppError. */
export function failWith(error: AppError): Handler {
  return () => {
    throw error;
  };
}

export function called(calls: Call[], cmd: string): Call[] {
  return calls.filter((call) => call.cmd === cmd);
}

/** Emits a backend event through the mocked event system (as Rust's `app.emit` would). */
export async function emitEvent(event: string, payload: unknown): Promise<void> {
  const internals = (
    window as unknown as { __TAURI_INTERNALS__: { invoke: (cmd: string, args: unknown) => Promise<unknown> } }
  ).__TAURI_INTERNALS__;
  await internals.invoke("plugin:event|emit", { event, payload });
}
