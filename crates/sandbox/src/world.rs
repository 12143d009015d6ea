//! The emulated systems' data and the deterministic generator (same seed, same data).

use crate::data::{Kind, Row, Schema, Table, Text, Val};
use base64::Engine;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Generated data is dated before this instant (2026-01-01T00:00:00Z) so the same seed gives the
/// same data whatever the wall clock says; edits made while running carry the virtual now.
pub(crate) const ANCHOR_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;
/// Records are created at most 1,000 days before the anchor (2026-01-01): from 2023-04-07 on.
pub(crate) const DATA_SINCE: &str = "2023-04-01";

#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub id: i64,
    pub guid: String,
    pub lead_id: i64,
    pub date_ms: i64,
    pub type_id: i64,
    pub primary_id: i64,
    pub primary_value: String,
    pub attributes: Vec<(String, serde_json::Value)>,
    /// For "Change Data Value" (13): (field id, field name, new, old).
    pub fields: Vec<(i64, String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct MkList {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub program_name: Option<String>,
    pub folder: (i64, &'static str),
    pub created: i64,
    pub updated: i64,
    /// lead id → time added.
    pub members: BTreeMap<i64, i64>,
}

#[derive(Debug)]
pub(crate) struct World {
    pub rng: ChaCha8Rng,
    pub org_id: String,
    pub sf_user_id: String,
    pub sf_seq: u64,

    pub mk_leads: Table<i64>,
    pub mk_next_id: i64,
    pub mk_lists: BTreeMap<i64, MkList>,
    pub mk_next_list: i64,
    pub mk_activities: Vec<Activity>,
    pub mk_next_activity: i64,
    pub mk_users: Vec<serde_json::Value>,

    pub sf_contacts: Table<String>,
    pub sf_leads: Table<String>,
    pub sf_tasks: Table<String>,
    pub sf_users: Table<String>,

    pub dv_user: (Uuid, Uuid, Uuid),
    pub dv_contacts: Table<Uuid>,
    pub dv_leads: Table<Uuid>,
    pub dv_lists: Table<Uuid>,
    pub dv_members: BTreeMap<Uuid, BTreeMap<Uuid, Uuid>>,
    pub dv_tasks: Table<Uuid>,
    pub dv_emailevents: Table<Uuid>,

    pub cp_profiles: Table<String>,
    pub cp_products: Table<String>,
    pub cp_services: Vec<(String, String, String)>,
}

pub(crate) fn marketo_lead_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "lead",
        &[
            ("id", Int, 0, false),
            ("email", Email, 255, true),
            ("firstName", Str, 255, true),
            ("lastName", Str, 255, true),
            ("company", Str, 255, true),
            ("title", Str, 255, true),
            ("phone", Phone, 255, true),
            ("city", Str, 255, true),
            ("country", Str, 255, true),
            ("leadSource", Str, 255, true),
            ("unsubscribed", Bool, 0, true),
            ("unsubscribedReason", Text, 65536, true),
            ("emailInvalid", Bool, 0, true),
            ("emailInvalidCause", Str, 255, true),
            ("doNotCall", Bool, 0, true),
            ("doNotCallReason", Str, 512, true),
            ("sfdcContactId", Str, 18, false),
            ("sfdcLeadId", Str, 18, false),
            ("sfdcType", Str, 255, false),
            ("createdAt", DateTime, 0, false),
            ("updatedAt", DateTime, 0, false),
        ],
    )
}

fn sf_common(extra: &[(&'static str, Kind, u32, bool)]) -> Vec<(&'static str, Kind, u32, bool)> {
    let mut v = vec![("Id", Kind::Id, 18, false), ("IsDeleted", Kind::Bool, 0, false)];
    v.extend_from_slice(extra);
    v.extend_from_slice(&[
        ("OwnerId", Kind::Ref, 18, true),
        ("CreatedDate", Kind::DateTime, 0, false),
        ("LastModifiedDate", Kind::DateTime, 0, false),
        ("SystemModstamp", Kind::DateTime, 0, false),
    ]);
    v
}

pub(crate) fn sf_contact_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "Contact",
        &sf_common(&[
            ("FirstName", Str, 40, true),
            ("LastName", Str, 80, true),
            ("Name", Str, 121, false),
            ("Email", Email, 80, true),
            ("Phone", Phone, 40, true),
            ("Title", Str, 128, true),
            ("MailingCity", Str, 40, true),
            ("MailingCountry", Str, 80, true),
            ("LeadSource", Picklist, 255, true),
            ("HasOptedOutOfEmail", Bool, 0, true),
            ("IsEmailBounced", Bool, 0, true),
            ("EmailBouncedReason", Str, 255, true),
            ("DoNotCall", Bool, 0, true),
        ]),
    )
    .with_required(&["LastName"])
    .with_picklist("LeadSource", &["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"])
}

pub(crate) fn sf_lead_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "Lead",
        &sf_common(&[
            ("FirstName", Str, 40, true),
            ("LastName", Str, 80, true),
            ("Name", Str, 121, false),
            ("Email", Email, 80, true),
            ("Company", Str, 255, true),
            ("Title", Str, 128, true),
            ("Phone", Phone, 40, true),
            ("City", Str, 40, true),
            ("Country", Str, 80, true),
            ("Status", Picklist, 255, true),
            ("LeadSource", Picklist, 255, true),
            ("HasOptedOutOfEmail", Bool, 0, true),
            ("IsEmailBounced", Bool, 0, true),
            ("EmailBouncedReason", Str, 255, true),
            ("DoNotCall", Bool, 0, true),
            ("IsConverted", Bool, 0, false),
        ]),
    )
    .with_required(&["LastName", "Company", "Status"])
    .with_picklist(
        "Status",
        &["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"],
    )
    .with_picklist("LeadSource", &["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"])
}

pub(crate) fn sf_task_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "Task",
        &sf_common(&[
            ("WhoId", Ref, 18, true),
            ("WhatId", Ref, 18, true),
            ("Subject", Str, 255, true),
            ("ActivityDate", Date, 0, true),
            ("Status", Picklist, 255, true),
            ("Priority", Picklist, 255, true),
            ("Description", Text, 32000, true),
            ("TaskSubtype", Picklist, 255, true),
        ]),
    )
    .with_required(&["Status"])
    .with_picklist("Status", &["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"])
    .with_picklist("Priority", &["High", "Normal", "Low"])
    .with_picklist("TaskSubtype", &["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"])
}

pub(crate) fn sf_user_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "User",
        &sf_common(&[
            ("Username", Str, 80, true),
            ("FirstName", Str, 40, true),
            ("LastName", Str, 80, true),
            ("Name", Str, 121, false),
            ("Email", Email, 128, true),
            ("Alias", Str, 8, true),
            ("IsActive", Bool, 0, true),
        ]),
    )
    .with_required(&["Username", "LastName", "Email", "Alias"])
}

fn dv_common(pk: &'static str, extra: &[(&'static str, Kind, u32, bool)]) -> Vec<(&'static str, Kind, u32, bool)> {
    let mut v = vec![(pk, Kind::Id, 0, false)];
    v.extend_from_slice(extra);
    v.extend_from_slice(&[
        ("statecode", Kind::Int, 0, true),
        ("createdon", Kind::DateTime, 0, false),
        ("modifiedon", Kind::DateTime, 0, false),
        ("versionnumber", Kind::Int, 0, false),
    ]);
    v
}

pub(crate) fn dv_contact_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "contact",
        &dv_common(
            "contactid",
            &[
                ("firstname", Str, 50, true),
                ("lastname", Str, 50, true),
                ("fullname", Str, 160, false),
                ("emailaddress1", Email, 100, true),
                ("telephone1", Phone, 50, true),
                ("jobtitle", Str, 100, true),
                ("address1_city", Str, 80, true),
                ("address1_country", Str, 80, true),
                ("donotbulkemail", Bool, 0, true),
                ("donotemail", Bool, 0, true),
            ],
        ),
    )
}

pub(crate) fn dv_lead_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "lead",
        &dv_common(
            "leadid",
            &[
                ("firstname", Str, 50, true),
                ("lastname", Str, 50, true),
                ("fullname", Str, 160, false),
                ("subject", Str, 300, true),
                ("companyname", Str, 100, true),
                ("emailaddress1", Email, 100, true),
                ("donotbulkemail", Bool, 0, true),
                ("donotemail", Bool, 0, true),
            ],
        ),
    )
}

pub(crate) fn dv_list_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "list",
        &dv_common(
            "listid",
            &[
                ("listname", Str, 128, true),
                ("createdfromcode", Int, 0, false),
                ("type", Bool, 0, false),
                ("membercount", Int, 0, false),
                ("description", Text, 2000, true),
                ("purpose", Str, 512, true),
                ("lockstatus", Bool, 0, true),
            ],
        ),
    )
}

pub(crate) fn dv_task_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "task",
        &dv_common(
            "activityid",
            &[
                ("subject", Str, 200, true),
                ("description", Text, 2000, true),
                ("scheduledend", DateTime, 0, true),
                ("_regardingobjectid_value", Ref, 0, false),
            ],
        ),
    )
}

/// The custom activity Liaison logs email events to (publisher prefix `lia`).
pub(crate) fn dv_emailevent_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "lia_emailevent",
        &dv_common(
            "activityid",
            &[
                ("subject", Str, 200, true),
                ("lia_eventtype", Str, 100, true),
                ("lia_email", Email, 100, true),
                ("lia_occurredon", DateTime, 0, true),
                ("_regardingobjectid_value", Ref, 0, false),
            ],
        ),
    )
}

pub(crate) fn cp_profile_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "profile",
        &[
            ("PKey", Id, 0, false),
            ("email", Email, 128, true),
            ("firstName", Str, 30, true),
            ("lastName", Str, 50, true),
            ("middleName", Str, 30, true),
            ("salutation", Str, 30, true),
            ("gender", Picklist, 0, true),
            ("birthDate", Date, 0, true),
            ("phone", Phone, 32, true),
            ("mobilePhone", Phone, 32, true),
            ("location_city", Str, 50, true),
            ("externalId", Str, 64, true),
            ("blackList", Bool, 0, true),
            ("blackListEmail", Bool, 0, true),
            ("blackListMobile", Bool, 0, true),
            ("blackListPhone", Bool, 0, true),
            ("blackListPostalMail", Bool, 0, true),
            ("blackListFax", Bool, 0, true),
            ("blackListPushnotification", Bool, 0, true),
            ("ccpaOptOut", Bool, 0, true),
            ("age", Int, 0, false),
            ("created", DateTime, 0, false),
            ("lastModified", DateTime, 0, false),
        ],
    )
}

pub(crate) fn cp_product_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "cusProduct",
        &[
            ("PKey", Id, 0, false),
            ("name", Str, 128, true),
            ("sku", Str, 64, true),
            ("price", Int, 0, true),
            ("profilePKey", Ref, 0, true),
            ("created", DateTime, 0, false),
            ("lastModified", DateTime, 0, false),
        ],
    )
}

const LATIN_FIRST: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Lucas",
    "Emma",
    "Mateo",
    "Sofia",
    "Hugo",
    "Chloé",
    "Léa",
    "Jürgen",
    "Åsa",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Élodie",
    "Zoë",
    "Marco",
    "Giulia",
    "Pablo",
    "Lucía",
    "Ingrid",
];
const LATIN_LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Müller",
    "Schmidt",
    "Dubois",
    "Lefèvre",
    "Rossi",
    "Bianchi",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Novák",
    "Peña",
    "Søren",
    "van der Berg",
    "García-López",
    "Fischer",
    "Weber",
    "Bernard",
    "Moreau",
    "Costa",
    "Silva",
];
/// (kanji, romaji)
const JA_LAST: &[(&str, &str)] = &[
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("高橋", "takahashi"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("中村", "nakamura"),
    ("小林", "kobayashi"),
    ("加藤", "kato"),
    ("吉田", "yoshida"),
    ("山田", "yamada"),
    ("佐々木", "sasaki"),
    ("松本", "matsumoto"),
    ("井上", "inoue"),
];
const JA_FIRST: &[(&str, &str)] = &[
    ("翔太", "shota"),
    ("陽菜", "hina"),
    ("蓮", "ren"),
    ("結衣", "yui"),
    ("大翔", "hiroto"),
    ("さくら", "sakura"),
    ("悠真", "yuma"),
    ("美咲", "misaki"),
    ("健太", "kenta"),
    ("愛子", "aiko"),
    ("拓海", "takumi"),
    ("葵", "aoi"),
    ("花子", "hanako"),
    ("太郎", "taro"),
    ("真央", "mao"),
];
const COMPANIES: &[(&str, &str)] = &[
    ("Acme Corporation", "acme"),
    ("Globex", "globex"),
    ("Initech", "initech"),
    ("Umbrella Group", "umbrella"),
    ("Stark Industries", "stark"),
    ("Wayne Enterprises", "wayne"),
    ("Hooli", "hooli"),
    ("Vandelay Industries", "vandelay"),
    ("Soylent", "soylent"),
    ("Tyrell", "tyrell"),
    ("Northwind Traders", "northwind"),
    ("Contoso", "contoso"),
    ("Fabrikam", "fabrikam"),
    ("Adventure Works", "adventureworks"),
    ("株式会社サクラ", "sakura-kk"),
    ("富士山商事", "fujisan"),
    ("東京データ株式会社", "tokyodata"),
    ("Müller & Söhne GmbH", "mueller"),
    ("Société Générale des Tests", "sgdt"),
    ("Blue Lagoon SA", "bluelagoon"),
];
const CITIES: &[(&str, &str)] = &[
    ("New York", "United States"),
    ("San Francisco", "United States"),
    ("Chicago", "United States"),
    ("London", "United Kingdom"),
    ("Paris", "France"),
    ("Lyon", "France"),
    ("Berlin", "Germany"),
    ("München", "Germany"),
    ("Madrid", "Spain"),
    ("São Paulo", "Brazil"),
    ("Toronto", "Canada"),
    ("Sydney", "Australia"),
    ("Zürich", "Switzerland"),
    ("Milano", "Italy"),
    ("Amsterdam", "Netherlands"),
];
const JA_CITIES: &[(&str, &str)] =
    &[("東京", "Japan"), ("大阪", "Japan"), ("横浜", "Japan"), ("京都", "Japan"), ("札幌", "Japan")];
const TITLES: &[&str] =
    &["Marketing Manager", "CMO", "Sales Director", "Engineer", "Analyst", "VP Operations", "部長", "課長"];
const SOURCES: &[&str] = &["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
const LIST_NAMES: &[&str] = &[
    "Spring Webinar 2026",
    "Newsletter Subscribers",
    "Trade Show Tokyo",
    "Product Launch",
    "Customer Advisory Board",
    "Partner Leads",
    "Re-engagement",
    "Event Attendees",
    "Beta Testers",
    "VIP Customers",
];

/// A Salesforce 18-character id: 15 characters plus the case-safe checksum suffix.
pub(crate) fn sf_id(prefix: &str, n: u64) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut body = [b'0'; 9];
    let mut x = n;
    for slot in body.iter_mut().rev() {
        *slot = B62[(x % 62) as usize];
        x /= 62;
    }
    let id15 = format!("{prefix}5g0{}", String::from_utf8_lossy(&body));
    let bytes = id15.as_bytes();
    let mut suffix = String::new();
    for chunk in 0..3 {
        let mut bits = 0usize;
        for i in 0..5 {
            if bytes[chunk * 5 + i].is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        suffix.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits] as char);
    }
    id15 + &suffix
}

pub(crate) fn new_uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Adobe Campaign primary keys are opaque strings beginning with `@`.
pub(crate) fn new_pkey(rng: &mut ChaCha8Rng) -> String {
    let bytes: [u8; 48] = rng.random();
    format!("@{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub(crate) fn activity_guid(id: i64) -> String {
    format!("{:08x}-{:04x}-4{:03x}-8000-{:012x}", id as u32, (id >> 32) as u16, id as u16 & 0xfff, id)
}

/// Interns the generator's repeated strings (names, cities, companies, picklist values).
#[derive(Default)]
struct Pool(std::collections::HashMap<&'static str, Text>);

impl Pool {
    fn get(&mut self, s: &'static str) -> Text {
        self.0.entry(s).or_insert_with(|| Text::from(s)).clone()
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'é' | 'è' | 'ê' | 'É' => Some('e'),
            'ü' | 'ú' => Some('u'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'å' | 'á' | 'à' | 'ä' | 'Å' => Some('a'),
            'ñ' => Some('n'),
            'í' => Some('i'),
            _ => None,
        })
        .collect()
}

/// Counts of what was generated (for the bench and `GET /stats`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatasetSummary {
    pub people: usize,
    pub marketo_leads: usize,
    pub marketo_lists: usize,
    pub marketo_activities: usize,
    pub salesforce_contacts: usize,
    pub salesforce_leads: usize,
    pub dynamics_contacts: usize,
    pub dynamics_leads: usize,
    pub dynamics_lists: usize,
    pub campaign_profiles: usize,
}

impl World {
    pub(crate) fn summary(&self, people: usize) -> DatasetSummary {
        DatasetSummary {
            people,
            marketo_leads: self.mk_leads.rows.len(),
            marketo_lists: self.mk_lists.len(),
            marketo_activities: self.mk_activities.len(),
            salesforce_contacts: self.sf_contacts.rows.len(),
            salesforce_leads: self.sf_leads.rows.len(),
            dynamics_contacts: self.dv_contacts.rows.len(),
            dynamics_leads: self.dv_leads.rows.len(),
            dynamics_lists: self.dv_lists.rows.len(),
            campaign_profiles: self.cp_profiles.rows.len(),
        }
    }

    pub(crate) fn next_sf_id(&mut self, prefix: &str) -> String {
        self.sf_seq += 1;
        sf_id(prefix, self.sf_seq)
    }

    /// Appends a Marketo activity stamped `now_ms`.
    pub(crate) fn mk_activity(
        &mut self,
        lead_id: i64,
        now_ms: i64,
        type_id: i64,
        primary: (i64, String),
    ) -> &mut Activity {
        self.mk_next_activity += 1;
        let id = self.mk_next_activity;
        // Keep the log ordered by date even if a test moved the clock backwards.
        let date_ms = self.mk_activities.last().map(|a| a.date_ms.max(now_ms)).unwrap_or(now_ms);
        self.mk_activities.push(Activity {
            id,
            guid: activity_guid(id),
            lead_id,
            date_ms,
            type_id,
            primary_id: primary.0,
            primary_value: primary.1,
            attributes: Vec::new(),
            fields: Vec::new(),
        });
        self.mk_activities.last_mut().expect("just pushed")
    }

    pub(crate) fn generate(seed: u64, people: usize) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let org_id = sf_id("00D", seed % 1_000_000 + 1);
        let mut w = World {
            org_id,
            sf_user_id: String::new(),
            sf_seq: 0,
            mk_leads: Table::new(marketo_lead_schema()),
            mk_next_id: 100_000,
            mk_lists: BTreeMap::new(),
            mk_next_list: 1000,
            mk_activities: Vec::new(),
            mk_next_activity: 0,
            mk_users: Vec::new(),
            sf_contacts: Table::new(sf_contact_schema()),
            sf_leads: Table::new(sf_lead_schema()),
            sf_tasks: Table::new(sf_task_schema()),
            sf_users: Table::new(sf_user_schema()),
            dv_user: (Uuid::nil(), Uuid::nil(), Uuid::nil()),
            dv_contacts: Table::new(dv_contact_schema()),
            dv_leads: Table::new(dv_lead_schema()),
            dv_lists: Table::new(dv_list_schema()),
            dv_members: BTreeMap::new(),
            dv_tasks: Table::new(dv_task_schema()),
            dv_emailevents: Table::new(dv_emailevent_schema()),
            cp_profiles: Table::new(cp_profile_schema()),
            cp_products: Table::new(cp_product_schema()),
            cp_services: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x05ee_d1d5),
        };
        // Users first so every generated record has an owner.
        let admins = [("Ada", "Admin"), ("Hiro", "Sato"), ("Grace", "Hopper"), ("美咲", "田中"), ("Alan", "Turing")];
        for (i, (f, l)) in admins.iter().enumerate() {
            let id = w.next_sf_id("005");
            if i == 0 {
                w.sf_user_id = id.clone();
            }
            let s = w.sf_users.schema.clone();
            let mut r = s.blank_row();
            let created = ANCHOR_MS - 900 * DAY_MS;
            let login = format!("{}.{}@sandbox.example.com", ascii_slug(f).if_empty("user"), i);
            for (k, v) in [
                ("Id", Val::s(&id)),
                ("IsDeleted", Val::Bool(false)),
                ("Username", Val::s(&login)),
                ("FirstName", Val::s(*f)),
                ("LastName", Val::s(*l)),
                ("Name", Val::s(format!("{f} {l}"))),
                ("Email", Val::s(&login)),
                ("Alias", Val::s(format!("u{i}"))),
                ("IsActive", Val::Bool(true)),
                ("OwnerId", Val::s(&id)),
                ("CreatedDate", Val::Int(created)),
                ("LastModifiedDate", Val::Int(created)),
                ("SystemModstamp", Val::Int(created)),
            ] {
                r.set(&s, k, v);
            }
            w.sf_users.rows.insert(id, r);
            w.mk_users.push(serde_json::json!({
                "userid": login, "firstName": f, "lastName": l, "emailAddress": login, "id": i + 1,
                "status": "active", "roles": [{"roleName": if i == 0 { "Admin" } else { "Marketing User" }}],
            }));
        }
        let owner: Text = w.sf_user_id.as_str().into();
        let mut pool = Pool::default();
        w.dv_user = (new_uuid(&mut rng), new_uuid(&mut rng), new_uuid(&mut rng));

        // Lists on both marketing sides.
        let n_mk_lists = (people / 2000).clamp(3, 50);
        for i in 0..n_mk_lists {
            let id = w.mk_next_list;
            w.mk_next_list += 1;
            let created = ANCHOR_MS - rng.random_range(30..700) * DAY_MS;
            let base = LIST_NAMES[i % LIST_NAMES.len()];
            let name =
                if i < LIST_NAMES.len() { base.to_string() } else { format!("{base} {}", i / LIST_NAMES.len() + 1) };
            w.mk_lists.insert(
                id,
                MkList {
                    id,
                    name,
                    description: Some("Generated by the Liaison sandbox".into()),
                    program_name: Some(format!("Program {}", i % 5 + 1)),
                    folder: (1000 + (i % 5) as i64, "Program"),
                    created,
                    updated: created,
                    members: BTreeMap::new(),
                },
            );
        }
        let mk_list_ids: Vec<i64> = w.mk_lists.keys().copied().collect();
        let n_dv_lists = (people / 5000).clamp(2, 20);
        let mut dv_list_ids = Vec::new();
        for i in 0..n_dv_lists {
            let id = new_uuid(&mut rng);
            let s = w.dv_lists.schema.clone();
            let mut r = s.blank_row();
            let created = ANCHOR_MS - rng.random_range(30..700) * DAY_MS;
            for (k, v) in [
                ("listid", Val::s(id.to_string())),
                ("listname", Val::s(format!("{} (D365)", LIST_NAMES[i % LIST_NAMES.len()]))),
                ("createdfromcode", Val::Int(2)),
                ("type", Val::Bool(false)),
                ("membercount", Val::Int(0)),
                ("lockstatus", Val::Bool(false)),
                ("statecode", Val::Int(0)),
                ("createdon", Val::Int(created)),
                ("modifiedon", Val::Int(created)),
                ("versionnumber", Val::Int(1000 + i as i64)),
            ] {
                r.set(&s, k, v);
            }
            w.dv_lists.rows.insert(id, r);
            dv_list_ids.push(id);
        }

        let mks = w.mk_leads.schema.clone();
        let scs = w.sf_contacts.schema.clone();
        let sls = w.sf_leads.schema.clone();
        let dcs = w.dv_contacts.schema.clone();
        let dls = w.dv_leads.schema.clone();
        let cps = w.cp_profiles.schema.clone();
        let mut version = 10_000i64;
        let mut activities: Vec<Activity> = Vec::new();

        for i in 0..people {
            let japanese = rng.random_bool(0.2);
            let (first, last, first_ascii, last_ascii) = if japanese {
                let f = pick(&mut rng, JA_FIRST);
                let l = pick(&mut rng, JA_LAST);
                (pool.get(f.0), pool.get(l.0), f.1.to_string(), l.1.to_string())
            } else {
                let f = *pick(&mut rng, LATIN_FIRST);
                let l = *pick(&mut rng, LATIN_LAST);
                (pool.get(f), pool.get(l), ascii_slug(f), ascii_slug(l))
            };
            let (company, slug) = *pick(&mut rng, COMPANIES);
            let (city, country) = if japanese { *pick(&mut rng, JA_CITIES) } else { *pick(&mut rng, CITIES) };
            let (company, city, country) = (pool.get(company), pool.get(city), pool.get(country));
            let title = TITLES[rng.random_range(0..TITLES.len())];
            let title = pool.get(title);
            let source = SOURCES[rng.random_range(0..SOURCES.len())];
            let source = pool.get(source);
            // One allocation per person, shared by every system that stores the value.
            let email: Text = format!("{first_ascii}.{last_ascii}{i}@{slug}.example.com").into();
            let phone: Text =
                format!("+1-555-{:03}-{:04}", rng.random_range(0..1000), rng.random_range(0..10000)).into();
            let full_name: Text = format!("{first} {last}").into();
            let created = ANCHOR_MS - rng.random_range(1..1000 * DAY_MS);
            let updated = created + rng.random_range(0..(ANCHOR_MS - created).max(1));
            let opted_out = rng.random_bool(0.06);
            let bounced = rng.random_bool(0.02);
            let in_mk = rng.random_bool(0.88);
            let in_sf = if in_mk { rng.random_bool(0.8) } else { true };
            let sf_contact = rng.random_bool(0.7);
            let in_dv = rng.random_bool(0.45);
            let dv_as_lead = rng.random_bool(0.2);
            let in_cp = rng.random_bool(0.55);
            let case_dup = rng.random_bool(0.005);
            let drift = rng.random_bool(0.2);

            let mut sfdc = (None, None);
            if in_sf {
                let (prefix, schema, table) =
                    if sf_contact { ("003", &scs, &mut w.sf_contacts) } else { ("00Q", &sls, &mut w.sf_leads) };
                w.sf_seq += 1;
                let id = sf_id(prefix, w.sf_seq);
                let mut r = schema.blank_row();
                for (k, v) in [
                    ("Id", Val::s(&id)),
                    ("IsDeleted", Val::Bool(false)),
                    ("FirstName", Val::t(&first)),
                    ("LastName", Val::t(&last)),
                    ("Name", Val::t(&full_name)),
                    ("Email", Val::t(&email)),
                    ("Phone", Val::t(&phone)),
                    ("Title", Val::t(&title)),
                    ("MailingCity", Val::t(&city)),
                    ("MailingCountry", Val::t(&country)),
                    ("City", Val::t(&city)),
                    ("Country", Val::t(&country)),
                    ("Company", Val::t(&company)),
                    ("Status", Val::t(&pool.get("Open - Not Contacted"))),
                    ("IsConverted", Val::Bool(false)),
                    ("LeadSource", Val::t(&source)),
                    ("HasOptedOutOfEmail", Val::Bool(opted_out && !drift)),
                    ("IsEmailBounced", Val::Bool(bounced)),
                    (
                        "EmailBouncedReason",
                        if bounced { Val::t(&pool.get("550 5.1.1 User unknown")) } else { Val::Null },
                    ),
                    ("DoNotCall", Val::Bool(false)),
                    ("OwnerId", Val::t(&owner)),
                    ("CreatedDate", Val::Int(created)),
                    ("LastModifiedDate", Val::Int(updated)),
                    ("SystemModstamp", Val::Int(updated)),
                ] {
                    r.set(schema, k, v);
                }
                table.rows.insert(id.clone(), r);
                sfdc = if sf_contact { (Some(id), None) } else { (None, Some(id)) };
            }
            if in_mk {
                let copies = if case_dup { 2 } else { 1 };
                for copy in 0..copies {
                    w.mk_next_id += 1;
                    let id = w.mk_next_id;
                    let em: Text = if copy == 0 { email.clone() } else { capitalise_email(&email).into() };
                    let mut r = mks.blank_row();
                    for (k, v) in [
                        ("id", Val::Int(id)),
                        ("email", Val::Str(em)),
                        ("firstName", Val::t(&first)),
                        ("lastName", Val::t(&last)),
                        ("company", Val::t(&company)),
                        ("title", Val::t(&title)),
                        ("phone", Val::t(&phone)),
                        ("city", Val::t(&city)),
                        ("country", Val::t(&country)),
                        ("leadSource", Val::t(&source)),
                        ("unsubscribed", Val::Bool(opted_out)),
                        (
                            "unsubscribedReason",
                            if opted_out { Val::t(&pool.get("Unsubscribed via email link")) } else { Val::Null },
                        ),
                        ("emailInvalid", Val::Bool(bounced)),
                        (
                            "emailInvalidCause",
                            if bounced { Val::t(&pool.get("550 5.1.1 User unknown")) } else { Val::Null },
                        ),
                        ("doNotCall", Val::Bool(false)),
                        ("sfdcContactId", Val::opt(sfdc.0.clone())),
                        ("sfdcLeadId", Val::opt(sfdc.1.clone())),
                        (
                            "sfdcType",
                            if sfdc.0.is_some() {
                                Val::t(&pool.get("Contact"))
                            } else if sfdc.1.is_some() {
                                Val::t(&pool.get("Lead"))
                            } else {
                                Val::Null
                            },
                        ),
                        ("createdAt", Val::Int(created)),
                        ("updatedAt", Val::Int(updated)),
                    ] {
                        r.set(&mks, k, v);
                    }
                    w.mk_leads.rows.insert(id, r);
                    if rng.random_bool(0.25) {
                        let list = *pick(&mut rng, &mk_list_ids);
                        if let Some(l) = w.mk_lists.get_mut(&list) {
                            l.members.insert(id, created.max(l.created));
                        }
                    }
                    if rng.random_bool(0.3) {
                        let n = rng.random_range(1..=3);
                        for _ in 0..n {
                            let type_id = *pick(&mut rng, &[6i64, 7, 10, 11, 10, 7, 9, 8]);
                            let date_ms = ANCHOR_MS - rng.random_range(1..90 * DAY_MS);
                            let mail_id = rng.random_range(1000..1020);
                            activities.push(Activity {
                                id: 0,
                                guid: String::new(),
                                lead_id: id,
                                date_ms,
                                type_id,
                                primary_id: mail_id,
                                primary_value: format!("Newsletter.Email {}", mail_id - 999),
                                attributes: vec![("Campaign Run ID".into(), serde_json::json!(mail_id * 7))],
                                fields: Vec::new(),
                            });
                        }
                    }
                }
            }
            if in_dv {
                let id = new_uuid(&mut rng);
                version += 1;
                let (schema, table) = if dv_as_lead { (&dls, &mut w.dv_leads) } else { (&dcs, &mut w.dv_contacts) };
                let mut r = schema.blank_row();
                for (k, v) in [
                    ("contactid", Val::s(id.to_string())),
                    ("leadid", Val::s(id.to_string())),
                    ("firstname", Val::t(&first)),
                    ("lastname", Val::t(&last)),
                    (
                        "fullname",
                        Val::Str(if japanese { Text::from(format!("{last} {first}")) } else { full_name.clone() }),
                    ),
                    ("emailaddress1", Val::t(&email)),
                    ("telephone1", Val::t(&phone)),
                    ("jobtitle", Val::t(&title)),
                    ("address1_city", Val::t(&city)),
                    ("address1_country", Val::t(&country)),
                    ("companyname", Val::t(&company)),
                    ("subject", Val::t(&pool.get("Interested in product"))),
                    ("donotbulkemail", Val::Bool(opted_out)),
                    ("donotemail", Val::Bool(false)),
                    ("statecode", Val::Int(0)),
                    ("createdon", Val::Int(created)),
                    ("modifiedon", Val::Int(updated)),
                    ("versionnumber", Val::Int(version)),
                ] {
                    r.set(schema, k, v);
                }
                table.rows.insert(id, r);
                if !dv_as_lead && rng.random_bool(0.2) {
                    let list = *pick(&mut rng, &dv_list_ids);
                    let member_id = new_uuid(&mut rng);
                    w.dv_members.entry(list).or_default().insert(id, member_id);
                }
            }
            if in_cp {
                let gender = ["unknown", "male", "female"][rng.random_range(0..3)];
                let pkey = new_pkey(&mut rng);
                let mut r = cps.blank_row();
                for (k, v) in [
                    ("PKey", Val::s(&pkey)),
                    ("email", Val::t(&email)),
                    ("firstName", Val::t(&first)),
                    ("lastName", Val::t(&last)),
                    ("gender", Val::t(&pool.get(gender))),
                    ("phone", Val::t(&phone)),
                    ("location_city", Val::t(&city)),
                    ("blackList", Val::Bool(false)),
                    ("blackListEmail", Val::Bool(opted_out && !(drift && rng.random_bool(0.5)))),
                    ("blackListMobile", Val::Bool(false)),
                    ("blackListPhone", Val::Bool(false)),
                    ("blackListPostalMail", Val::Bool(false)),
                    ("blackListFax", Val::Bool(false)),
                    ("blackListPushnotification", Val::Bool(false)),
                    ("ccpaOptOut", Val::Bool(false)),
                    ("created", Val::Int(created)),
                    ("lastModified", Val::Int(updated)),
                ] {
                    r.set(&cps, k, v);
                }
                w.cp_profiles.rows.insert(pkey, r);
            }
        }
        for (list, members) in &w.dv_members {
            if let Some(r) = w.dv_lists.rows.get_mut(list) {
                let s = w.dv_lists.schema.clone();
                r.set(&s, "membercount", Val::Int(members.len() as i64));
            }
        }
        activities.sort_by_key(|a| (a.date_ms, a.lead_id));
        for a in &mut activities {
            w.mk_next_activity += 1;
            a.id = w.mk_next_activity;
            a.guid = activity_guid(a.id);
        }
        w.mk_activities = activities;

        w.cp_services = vec![
            (new_pkey(&mut rng), "SVC1".into(), "Newsletter".into()),
            (new_pkey(&mut rng), "SVC2".into(), "Product updates".into()),
        ];
        let pps = w.cp_products.schema.clone();
        let first_profiles: Vec<String> = w.cp_profiles.rows.keys().take(5).cloned().collect();
        for (i, owner) in first_profiles.iter().enumerate() {
            let pkey = new_pkey(&mut rng);
            let mut r = pps.blank_row();
            for (k, v) in [
                ("PKey", Val::s(&pkey)),
                ("name", Val::s(format!("Product {}", i + 1))),
                ("sku", Val::s(format!("SKU-{:04}", i + 1))),
                ("price", Val::Int(1000 * (i as i64 + 1))),
                ("profilePKey", Val::s(owner)),
                ("created", Val::Int(ANCHOR_MS - DAY_MS)),
                ("lastModified", Val::Int(ANCHOR_MS - DAY_MS)),
            ] {
                r.set(&pps, k, v);
            }
            w.cp_products.rows.insert(pkey, r);
        }
        w
    }
}

fn capitalise_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut up = true;
    for c in email.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = c == '.' || c == '@';
    }
    out
}

trait IfEmpty {
    fn if_empty(self, alt: &str) -> String;
}
impl IfEmpty for String {
    fn if_empty(self, alt: &str) -> String {
        if self.is_empty() { alt.to_string() } else { self }
    }
}

/// Sets a row's timestamps/`Name`-style derived fields after an edit.
pub(crate) fn touch(schema: &Schema, row: &mut Row, now_ms: i64) {
    for f in ["LastModifiedDate", "SystemModstamp", "updatedAt", "modifiedon", "lastModified"] {
        if schema.idx(f).is_some() {
            row.set(schema, f, Val::Int(now_ms));
        }
    }
    if schema.idx("Name").is_some() {
        let name = format!("{} {}", row.str(schema, "FirstName"), row.str(schema, "LastName")).trim().to_string();
        row.set(schema, "Name", Val::s(name));
    }
    if schema.idx("fullname").is_some() {
        let name = format!("{} {}", row.str(schema, "firstname"), row.str(schema, "lastname")).trim().to_string();
        row.set(schema, "fullname", Val::s(name));
    }
    if let Some(i) = schema.idx("versionnumber") {
        let v = row.0[i].as_int().unwrap_or(0) + 1;
        row.0[i] = Val::Int(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_lead_is_older_than_data_since() {
        let w = World::generate(3, 2000);
        let since = crate::clock::parse_datetime(&format!("{DATA_SINCE}T00:00:00Z")).unwrap();
        let oldest = w.mk_leads.rows.values().filter_map(|r| r.get(&w.mk_leads.schema, "createdAt").as_int()).min();
        assert!(oldest.unwrap() >= since);
    }

    #[test]
    fn same_seed_same_data_and_realistic_overlap() {
        let a = World::generate(7, 3000);
        let b = World::generate(7, 3000);
        assert_eq!(a.mk_leads.rows.len(), b.mk_leads.rows.len());
        let first = |w: &World| w.mk_leads.rows.values().next().map(|r| r.0.clone());
        assert_eq!(first(&a), first(&b));
        let s = a.summary(3000);
        assert!(s.marketo_leads > 2400 && s.marketo_leads < 2900, "{s:?}");
        let linked = a
            .mk_leads
            .rows
            .values()
            .filter(|r| {
                !r.get(&a.mk_leads.schema, "sfdcContactId").is_null()
                    || !r.get(&a.mk_leads.schema, "sfdcLeadId").is_null()
            })
            .count();
        assert!(linked * 10 > s.marketo_leads * 6, "most Marketo leads are in Salesforce too");
        let japanese = a
            .mk_leads
            .rows
            .values()
            .filter(|r| r.str(&a.mk_leads.schema, "lastName").chars().any(|c| c > '\u{3000}'))
            .count();
        assert!(japanese > 0);
        let mut seen = std::collections::HashMap::new();
        let mut case_dups = 0;
        for r in a.mk_leads.rows.values() {
            let e = r.str(&a.mk_leads.schema, "email");
            if let Some(prev) = seen.insert(e.to_lowercase(), e.to_string()) {
                assert_ne!(prev, e);
                case_dups += 1;
            }
        }
        assert!(case_dups > 0, "a few duplicate emails differing in case");
        let s = &a.mk_leads.schema;
        let opted = a.mk_leads.rows.values().filter(|r| r.get(s, "unsubscribed").as_bool()).count();
        let bounced = a.mk_leads.rows.values().filter(|r| r.get(s, "emailInvalid").as_bool()).count();
        assert!(opted * 100 > s_len(&a) * 3 && opted * 100 < s_len(&a) * 10, "about 6% opted out: {opted}");
        assert!(bounced > 0 && bounced * 100 < s_len(&a) * 5, "about 2% bounced: {bounced}");
        let only_sf = a.sf_contacts.rows.len() + a.sf_leads.rows.len() - linked;
        assert!(only_sf > 0, "some people are only in Salesforce");
        assert!(linked < a.mk_leads.rows.len(), "some leads are only in Marketo");
        assert!(
            !a.dv_lists.rows.is_empty()
                && !a.mk_lists.is_empty()
                && !a.cp_profiles.rows.is_empty()
                && a.mk_users.len() >= 3
        );
    }

    fn s_len(w: &World) -> usize {
        w.mk_leads.rows.len()
    }

    #[test]
    fn salesforce_ids_carry_the_case_safe_suffix() {
        let id = sf_id("003", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0035g0"));
    }
}
