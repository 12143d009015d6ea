//! Field schemas of every emulated object: Marketo lead, Salesforce Contact/Lead/Task/User,
//! Dataverse contact/lead/list/task/email event, Campaign profile and product.

use crate::data::{Kind, Schema};

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
            ("state", Str, 255, true),
            ("postalCode", Str, 255, true),
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
                // The Campaign log's PKey: a client looks it up before writing, so each event lands once.
                ("lia_eventid", Str, 100, true),
                ("lia_url", Str, 2000, true),
                ("lia_deliverylabel", Str, 200, true),
                ("actualend", DateTime, 0, true),
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
            // The org's profile extension (served by `profileAndServicesExt` only; `cus` prefix).
            ("cusCrmContactId", Str, 36, true),
            ("cusJobTitle", Str, 100, true),
            ("cusCompany", Str, 100, true),
        ],
    )
    .with_picklist("gender", &["unknown", "male", "female"])
}

/// A custom resource linked to the profile (`profile` is the link, `{"PKey": "@…"}` on the wire);
/// `crmId` carries the Dynamics `lia_productinterestid` it was synced from.
pub(crate) fn cp_interest_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "cusProductInterest",
        &[
            ("PKey", Id, 0, false),
            ("crmId", Str, 36, true),
            ("product", Str, 128, true),
            ("interestLevel", Picklist, 0, true),
            ("profile", Ref, 0, true),
            ("created", DateTime, 0, false),
            ("lastModified", DateTime, 0, false),
        ],
    )
    .with_picklist("interestLevel", &["low", "medium", "high"])
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

/// A custom table (publisher prefix `lia`): a contact's interest in a product, with a lookup to
/// the contact (`_lia_contactid_value`, written as `lia_ContactId@odata.bind`).
pub(crate) fn dv_productinterest_schema() -> Schema {
    use Kind::*;
    Schema::new(
        "lia_productinterest",
        &dv_common(
            "lia_productinterestid",
            &[
                ("lia_name", Str, 100, true),
                ("lia_product", Str, 128, true),
                ("lia_interestlevel", Int, 0, true),
                ("_lia_contactid_value", Ref, 0, false),
            ],
        ),
    )
}
