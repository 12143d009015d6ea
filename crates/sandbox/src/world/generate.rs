//! The deterministic generator: `World::generate` fills every system from one seed.

use super::schemas::{
    cp_interest_schema, cp_product_schema, cp_profile_schema, dv_contact_schema, dv_emailevent_schema, dv_lead_schema,
    dv_list_schema, dv_productinterest_schema, dv_task_schema, marketo_lead_schema, sf_contact_schema, sf_lead_schema,
    sf_task_schema, sf_user_schema,
};
use super::vocabulary::{
    CITIES, COMPANIES, JA_CITIES, JA_FIRST, JA_LAST, LATIN_FIRST, LATIN_LAST, LIST_NAMES, SOURCES, TITLES,
};
use super::{
    ANCHOR_MS, Activity, CpEvent, CpEventKind, DAY_MS, MkList, World, activity_guid, new_pkey, new_uuid, sf_id,
};
use crate::data::{Table, Text, Val};
use crate::marketo::users;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use uuid::Uuid;

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

impl World {
    pub(crate) fn generate(seed: u64, people: usize) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let org_id = sf_id("00D", seed % 1_000_000 + 1);
        let mut w = World {
            org_id,
            sf_user_id: String::new(),
            sf_seq: 0,
            mk_leads: Table::new(marketo_lead_schema()),
            mk_by_email: Default::default(),
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
            dv_version: 1_000,
            dv_contact_versions: BTreeMap::new(),
            dv_interests: Table::new(dv_productinterest_schema()),
            dv_interest_versions: BTreeMap::new(),
            cp_profiles: Table::new(cp_profile_schema()),
            cp_products: Table::new(cp_product_schema()),
            cp_interests: Table::new(cp_interest_schema()),
            cp_events: BTreeMap::new(),
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
            // The same people sign in to Marketo: Ada, Hiro and 美咲 are its admins.
            let roles = match i {
                0 | 1 => vec![(users::ADMIN_ROLE, users::ALL_ZONES)],
                3 => vec![(users::ADMIN_ROLE, users::ALL_ZONES), (users::MARKETING_ROLE, users::DEFAULT_WORKSPACE)],
                2 => vec![(users::MARKETING_ROLE, users::DEFAULT_WORKSPACE)],
                _ => vec![(users::STANDARD_ROLE, users::DEFAULT_WORKSPACE)],
            };
            w.mk_users.push(users::MkUser {
                id: 6785 + i as i64,
                userid: login.clone(),
                first_name: (*f).to_owned(),
                last_name: (*l).to_owned(),
                email: login,
                api_only: false,
                roles: roles
                    .into_iter()
                    .map(|(role_id, workspace_id)| users::RoleInWorkspace { role_id, workspace_id })
                    .collect(),
                last_login_ms: Some(ANCHOR_MS - (i as i64 + 1) * DAY_MS),
            });
        }
        // The API-only user behind the REST custom service (it never signs in).
        w.mk_users.push(users::MkUser {
            id: 6785 + admins.len() as i64,
            userid: "liaison-api@sandbox.example.com".to_owned(),
            first_name: "Liaison".to_owned(),
            last_name: "API".to_owned(),
            email: "liaison-api@sandbox.example.com".to_owned(),
            api_only: true,
            roles: vec![users::RoleInWorkspace { role_id: users::API_ROLE, workspace_id: users::DEFAULT_WORKSPACE }],
            last_login_ms: None,
        });
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
                    w.mk_by_email.add(r.get(&mks, "email"), id);
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
            let mut dv_contact = None;
            if in_dv {
                let id = new_uuid(&mut rng);
                if !dv_as_lead {
                    dv_contact = Some(id);
                }
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
                    // Already synced from Dynamics once: the profile carries its contact's ID.
                    ("cusCrmContactId", Val::opt(dv_contact.map(|u| u.to_string()))),
                    ("cusJobTitle", if dv_contact.is_some() { Val::t(&title) } else { Val::Null }),
                    ("cusCompany", if dv_contact.is_some() { Val::t(&company) } else { Val::Null }),
                ] {
                    r.set(&cps, k, v);
                }
                w.cp_profiles.rows.insert(pkey, r);
            }
        }
        number_leads_in_creation_order(&mut w);
        log_new_leads(&w, &mut activities);
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
        generate_seed004(&mut w, seed);
        w
    }
}

const PRODUCTS: [&str; 6] =
    ["Analytics Suite", "Cloud Storage", "CRM Connector", "データ連携", "Mobile SDK", "Support Plus"];
const DELIVERIES: [&str; 5] =
    ["Spring newsletter", "Product launch", "Webinar invitation", "春のキャンペーン", "Renewal reminder"];

/// Seed 004 data, from its own random stream so the people above stay what they were: product
/// interests on Dynamics contacts (the custom table) and email events on Campaign profiles.
/// Marketo numbers leads from one sequence as it creates them, and `createdAt` is set by
/// Marketo at creation (read-only): a lead with a higher ID was never created earlier. The people
/// are drawn with random creation dates, so their Marketo dates are handed out again in ID
/// order (the same dates, so every window holds as many leads as before), and a list membership
/// never predates its lead.
fn number_leads_in_creation_order(w: &mut World) {
    let s = w.mk_leads.schema.clone();
    let mut dates: Vec<(i64, i64)> = w
        .mk_leads
        .rows
        .values()
        .filter_map(|r| Some((r.get(&s, "createdAt").as_int()?, r.get(&s, "updatedAt").as_int()?)))
        .collect();
    dates.sort_unstable();
    for (r, (created, updated)) in w.mk_leads.rows.values_mut().zip(dates) {
        r.set(&s, "createdAt", Val::Int(created));
        r.set(&s, "updatedAt", Val::Int(updated));
    }
    for list in w.mk_lists.values_mut() {
        for (id, at) in &mut list.members {
            if let Some(created) = w.mk_leads.rows.get(id).and_then(|r| r.get(&s, "createdAt").as_int()) {
                *at = (*at).max(created);
            }
        }
    }
}

/// Every lead's `New Lead` activity (type 12) at its creation: Marketo keeps this one activity
/// for good (its retention policy deletes the others after 90 days or 25 months).
fn log_new_leads(w: &World, activities: &mut Vec<Activity>) {
    let s = &w.mk_leads.schema;
    for (id, r) in &w.mk_leads.rows {
        let Some(created) = r.get(s, "createdAt").as_int() else { continue };
        activities.push(Activity {
            id: 0,
            guid: String::new(),
            lead_id: *id,
            date_ms: created,
            type_id: 12,
            primary_id: *id,
            primary_value: "New lead".into(),
            attributes: Vec::new(),
            fields: Vec::new(),
        });
    }
}

fn generate_seed004(w: &mut World, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0004);
    let dis = w.dv_interests.schema.clone();
    let contacts: Vec<Uuid> = w.dv_contacts.rows.keys().copied().take(4000).collect();
    for (n, contact) in contacts.iter().enumerate() {
        if !rng.random_bool(0.15) {
            continue;
        }
        let id = new_uuid(&mut rng);
        let product = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
        let at = ANCHOR_MS - rng.random_range(1..200 * DAY_MS);
        let mut r = dis.blank_row();
        for (k, v) in [
            ("lia_productinterestid", Val::s(id.to_string())),
            ("lia_name", Val::s(format!("{product} interest"))),
            ("lia_product", Val::s(product)),
            ("lia_interestlevel", Val::Int(rng.random_range(1..=3))),
            ("_lia_contactid_value", Val::s(contact.to_string())),
            ("statecode", Val::Int(0)),
            ("createdon", Val::Int(at)),
            ("modifiedon", Val::Int(at)),
            ("versionnumber", Val::Int(20_000 + n as i64)),
        ] {
            r.set(&dis, k, v);
        }
        w.dv_interests.rows.insert(id, r);
    }
    let profiles: Vec<String> = w.cp_profiles.rows.keys().take(4000).cloned().collect();
    for pkey in profiles {
        if !rng.random_bool(0.25) {
            continue;
        }
        let label = DELIVERIES[rng.random_range(0..DELIVERIES.len())];
        let mut at = ANCHOR_MS - rng.random_range(2 * DAY_MS..120 * DAY_MS);
        let mut events = Vec::new();
        let mut push = |rng: &mut ChaCha8Rng, kind: CpEventKind, at: i64, url: Option<String>| {
            events.push(CpEvent { pkey: new_pkey(rng), kind, label: label.to_string(), date_ms: at, url });
        };
        if rng.random_bool(0.05) {
            push(&mut rng, CpEventKind::Bounced, at, None);
        } else {
            push(&mut rng, CpEventKind::Sent, at, None);
            if rng.random_bool(0.6) {
                at += rng.random_range(60_000..DAY_MS);
                push(&mut rng, CpEventKind::Opened, at, None);
                for i in 0..rng.random_range(0..3) {
                    at += rng.random_range(1_000..600_000);
                    push(&mut rng, CpEventKind::Clicked, at, Some(format!("https://www.example.com/offer/{}", i + 1)));
                }
            }
        }
        w.cp_events.insert(pkey, events);
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
