//! Mapped custom entities to Campaign custom resources (seed 004; issue #12), after the contacts
//! so that each row's contact has its profile: every mapped entity set read whole the first time,
//! then through its own delta link, each row written to its custom resource linked to the profile
//! of its contact. Dynamics is the source of truth: a record is compared with what Campaign holds
//! and only differing fields are PATCHed; a row deleted in Dynamics has its record deleted in
//! Campaign (it describes the contact, like the contact's own attributes, and a stale interest
//! would keep steering segments).
//!
//! Per row the state is kept in `campaign_entity_rows`: 'creating' committed before the POST and
//! settled by looking the record up by its Dynamics row ID (`crmId`), never sent blindly again;
//! 'waiting' for a row whose contact has no profile yet, written by a later run once it has one.

use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::{Created, Ctx, Pair, canon, create_once, per_record, profile_object, removed, values_of};
use crate::campaign::entities::{
    ENTITY_KEY_FIELD, ENTITY_KEY_FILTER, EntityMapping, check_mapping, linked_pkey, read_entity, read_resource,
};
use crate::campaign::metadata::FieldType;
use crate::i18n::Text;
use crate::store::now;
use crate::{Error, ErrorCode, Result, msg};

/// One mapping as the run writes it, typed from both systems' metadata as they are now.
pub(super) struct EntityPlan {
    mapping: EntityMapping,
    /// The row ID to [`ENTITY_KEY_FIELD`] first, then the mapped pairs.
    pairs: Vec<Pair>,
    /// The contact lookup's value column (`_lia_contactid_value`).
    contact_column: String,
    /// The name of the sync cursor that keeps this mapping's delta link: it names the columns
    /// read, so a mapping that reads other columns starts with a whole read.
    cursor: String,
}

impl EntityPlan {
    /// Checks `mapping` again against both systems (a field removed since it was saved stops
    /// the run with the reason) and types its pairs.
    async fn new(ctx: &Ctx<'_>, mapping: &EntityMapping) -> Result<Self> {
        let entity = read_entity(&ctx.dataverse, &mapping.entity_set).await?;
        let resource = read_resource(&ctx.campaign, &mapping.resource).await?;
        check_mapping(&entity, &resource, mapping)?;
        let mut pairs = vec![Pair {
            attribute: entity.primary_id.clone(),
            read_as: entity.primary_id.clone(),
            source: FieldType::Id,
            field: ENTITY_KEY_FIELD.to_owned(),
            target: FieldType::Text,
        }];
        for p in &mapping.fields {
            // Both exist: `check_mapping` said so.
            let (Some(attribute), Some(field)) = (entity.attribute(&p.attribute), resource.field(&p.field)) else {
                continue;
            };
            pairs.push(Pair {
                attribute: attribute.name.clone(),
                read_as: Pair::column(attribute),
                source: attribute.field_type,
                field: field.name.clone(),
                target: field.field_type,
            });
        }
        let mut plan = Self {
            mapping: mapping.clone(),
            pairs,
            contact_column: format!("_{}_value", mapping.contact_lookup),
            cursor: String::new(),
        };
        plan.cursor = format!(
            "campaign.{}.{}.entity.{}.{}.{}",
            ctx.link.dynamics_connection,
            ctx.link.campaign_connection,
            mapping.entity_set,
            mapping.resource,
            short_hash(&plan.select())
        );
        Ok(plan)
    }

    /// The columns to `$select`: the row ID, the contact lookup and the mapped attributes.
    fn select(&self) -> String {
        let mut out: Vec<String> = vec![self.mapping.primary_id.clone(), self.contact_column.clone()];
        for p in &self.pairs {
            if !out.contains(&p.read_as) {
                out.push(p.read_as.clone());
            }
        }
        out.join(",")
    }

    /// The record's values for a row (without the link), as the resource's field types expect.
    fn values(&self, row: &Value) -> std::result::Result<Map<String, Value>, Text> {
        values_of(&self.pairs, row, |p, raw| {
            msg!(
                "campaign-run-entity-value-unfit",
                entity = self.mapping.entity_set.as_str(),
                attribute = p.attribute.as_str(),
                value = raw.to_string(),
                resource = self.mapping.resource.as_str(),
                field = p.field.as_str()
            )
        })
    }

    /// The fields of `values` that `record` holds differently, the link to `profile` among them.
    fn differing(&self, record: &Map<String, Value>, values: &Map<String, Value>, profile: &str) -> Map<String, Value> {
        let mut out: Map<String, Value> = self
            .pairs
            .iter()
            .filter(|p| {
                canon(p.target, record.get(&p.field).unwrap_or(&Value::Null)) != canon(p.target, &values[&p.field])
            })
            .map(|p| (p.field.clone(), values[&p.field].clone()))
            .collect();
        let link = &self.mapping.profile_link;
        if record.get(link).and_then(linked_pkey) != Some(profile) {
            out.insert(link.clone(), json!({ "PKey": profile }));
        }
        out
    }

    fn path(&self) -> String {
        format!("profileAndServicesExt/{}", self.mapping.resource)
    }
}

fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A row's state as stored: 'creating', 'written' or 'waiting', and the record's PKey.
type Stored = (String, Option<String>);

impl Ctx<'_> {
    /// The entities phase: each mapping in turn, its rows left open by earlier runs first, then
    /// its whole read or delta. `false` when cancelled.
    pub(super) async fn entities(&mut self) -> Result<bool> {
        for mapping in self.link.entities.clone() {
            let plan = EntityPlan::new(self, &mapping).await?;
            if self.cp.entities_done.contains(&plan.cursor) {
                continue;
            }
            self.settle_rows(&plan).await?;
            if !self.entity_pages(&plan).await? {
                return Ok(false);
            }
            self.cp.entities_done.push(plan.cursor.clone());
            self.cp.position = None;
            self.checkpoint()?;
        }
        Ok(true)
    }

    /// One mapping's tracked read, page by page, each page checkpointed with the next link.
    async fn entity_pages(&mut self, plan: &EntityPlan) -> Result<bool> {
        let prefer = self.tracked_prefer();
        let set = plan.mapping.entity_set.as_str();
        let whole = format!("{}/api/data/v9.2/{set}?$select={}", self.dataverse.org_url(), plan.select());
        let mut position = self.tracked_start(&whole, self.cp.full, &plan.cursor)?;
        loop {
            let tracking_off = msg!("campaign-entity-tracking-off", entity = plan.mapping.entity.as_str());
            let Some(page) = self.tracked_page(&mut position, &whole, &prefer, tracking_off).await? else { continue };
            for row in page["value"].as_array().into_iter().flatten() {
                match removed(row, &plan.mapping.primary_id) {
                    Some(id) => self.remove_row(plan, &id).await?,
                    None => self.entity_row(plan, row).await?,
                }
                if self.control.cancelled() {
                    // The page is read again by the run that continues this one.
                    self.checkpoint()?;
                    return Ok(false);
                }
            }
            if let Some(delta) = page["@odata.deltaLink"].as_str() {
                self.cp.entity_deltas.insert(plan.cursor.clone(), delta.to_owned());
            }
            let next = page["@odata.nextLink"].as_str().map(str::to_owned);
            self.cp.position = next.clone();
            self.checkpoint()?;
            self.emit();
            match next {
                Some(n) => position = n,
                None => return Ok(true),
            }
        }
    }

    /// Rows earlier runs left open: creates whose outcome is unknown (the record found by its
    /// row ID is kept; otherwise the row is read again and written once), and rows waiting for
    /// their contact's profile, now that the contact has one.
    async fn settle_rows(&mut self, plan: &EntityPlan) -> Result<()> {
        let open: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT r.row_id, r.state FROM campaign_entity_rows r
                  WHERE r.campaign_connection = ?1 AND r.resource = ?2
                    AND (r.state = 'creating'
                         OR (r.state = 'waiting' AND EXISTS (SELECT 1 FROM campaign_profiles p
                              WHERE p.campaign_connection = r.campaign_connection
                                AND p.contact_id = r.contact_id AND p.pkey IS NOT NULL)))
                  ORDER BY r.row_id",
            )?;
            let rows = stmt.query_map(params![self.link.campaign_connection, plan.mapping.resource], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (row_id, state) in open {
            if state == "creating" {
                if let Some((pkey, _)) = self.record_by_row_id(plan, &row_id).await? {
                    self.remember_row(plan, &row_id, None, "written", Some(&pkey))?;
                    continue;
                }
                self.forget_row(plan, &row_id)?;
            }
            self.read_row_again(plan, &row_id).await?;
        }
        Ok(())
    }

    /// Reads one row again by its ID and writes it; a row deleted since is forgotten.
    async fn read_row_again(&mut self, plan: &EntityPlan, row_id: &str) -> Result<()> {
        if uuid::Uuid::parse_str(row_id).is_err() {
            return self.forget_row(plan, row_id);
        }
        let path = format!("{}({row_id})?$select={}", plan.mapping.entity_set, plan.select());
        let prefer = "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\"";
        match self.dataverse.get(&path, &[prefer]).await {
            Ok(row) => self.entity_row(plan, &row).await,
            Err(e) if e.code == ErrorCode::NotFound => self.forget_row(plan, row_id),
            Err(e) => Err(e),
        }
    }

    /// Writes one row to its record, linked to its contact's profile: creates it, or PATCHes the
    /// fields that differ. A row whose contact has no profile yet waits for a later run.
    async fn entity_row(&mut self, plan: &EntityPlan, row: &Value) -> Result<()> {
        let Some(row_id) = row[plan.mapping.primary_id.as_str()].as_str().map(str::to_owned) else { return Ok(()) };
        let entity = plan.mapping.entity_set.as_str();
        let Some(contact) = row[plan.contact_column.as_str()].as_str().filter(|c| !c.is_empty()).map(str::to_owned)
        else {
            let lookup = plan.mapping.contact_lookup.as_str();
            let message =
                msg!("campaign-run-entity-no-contact", entity = entity, row = row_id.as_str(), lookup = lookup);
            return self.record_error(&row_id, "no_contact", &message);
        };
        let mut values = match plan.values(row) {
            Ok(v) => v,
            Err(message) => return self.record_error(&row_id, "value_unfit", &message),
        };
        let stored = self.stored_row(plan, &row_id)?;
        let Some(profile) = self.profile_of(&contact)? else {
            if stored.as_ref().is_none_or(|(state, _)| state == "waiting") {
                self.remember_row(plan, &row_id, Some(&contact), "waiting", None)?;
            }
            let message = msg!(
                "campaign-run-entity-no-profile",
                entity = entity,
                row = row_id.as_str(),
                contact = contact.as_str()
            );
            return self.record_error(&row_id, "waiting_for_profile", &message);
        };
        let found = match stored.and_then(|(_, pkey)| pkey) {
            Some(pkey) => match self.campaign.get(&format!("{}/{pkey}", plan.path())).await {
                Ok(v) => profile_object(&v).map(|record| (pkey, record)),
                // Deleted in Campaign: Dynamics is the source of truth, the row gets a record again.
                Err(e) if e.code == ErrorCode::NotFound => None,
                Err(e) => return Err(e),
            },
            None => self.record_by_row_id(plan, &row_id).await?,
        };
        let Some((pkey, record)) = found else {
            values.insert(plan.mapping.profile_link.clone(), json!({ "PKey": profile }));
            return self.create_record(plan, &row_id, &contact, &values).await;
        };
        let differing = plan.differing(&record, &values, &profile);
        if differing.is_empty() {
            return self.remember_row(plan, &row_id, Some(&contact), "written", Some(&pkey));
        }
        match self.campaign.patch(&format!("{}/{pkey}", plan.path()), &Value::Object(differing)).await {
            Ok(_) => {
                self.remember_row(plan, &row_id, Some(&contact), "written", Some(&pkey))?;
                self.cp.counts.entities += 1;
                Ok(())
            }
            Err(e) if per_record(&e) => self.record_error(&row_id, "refused", &e.message),
            Err(e) => Err(e),
        }
    }

    /// Creates a row's record, recorded first so that an unknown outcome is settled by lookup
    /// and never sent twice.
    async fn create_record(
        &mut self,
        plan: &EntityPlan,
        row_id: &str,
        contact: &str,
        values: &Map<String, Value>,
    ) -> Result<()> {
        self.remember_row(plan, row_id, Some(contact), "creating", None)?;
        let body = Value::Object(values.clone());
        let this = &*self;
        let created = create_once(&self.campaign, &plan.path(), &body, "custom resource", || async move {
            Ok(this.record_by_row_id(plan, row_id).await?.map(|(pkey, _)| pkey))
        })
        .await?;
        match created {
            Created::At(pkey) => {
                self.remember_row(plan, row_id, Some(contact), "written", Some(&pkey))?;
                self.cp.counts.entities += 1;
                Ok(())
            }
            Created::Unplaced => {
                let resource = plan.mapping.resource.as_str();
                Err(Error::new(
                    ErrorCode::BadResponse,
                    msg!("campaign-run-entity-created-without-pkey", resource = resource),
                ))
            }
            Created::Refused(e) => {
                self.forget_row(plan, row_id)?;
                self.record_error(row_id, "refused", &e.message)
            }
        }
    }

    /// A row deleted in Dynamics: its record is deleted in Campaign and Liaison forgets it.
    async fn remove_row(&mut self, plan: &EntityPlan, row_id: &str) -> Result<()> {
        let pkey = match self.stored_row(plan, row_id)? {
            None => return Ok(()),
            Some((_, Some(pkey))) => Some(pkey),
            // A create whose outcome is unknown: the record, if it was made, is found by row ID.
            Some((_, None)) => self.record_by_row_id(plan, row_id).await?.map(|(pkey, _)| pkey),
        };
        if let Some(pkey) = pkey {
            match self.campaign.delete(&format!("{}/{pkey}", plan.path())).await {
                Ok(_) => self.cp.counts.entities_removed += 1,
                // Deleted in Campaign already.
                Err(e) if e.code == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.forget_row(plan, row_id)
    }

    /// The record holding `row_id` in [`ENTITY_KEY_FIELD`], found with [`ENTITY_KEY_FILTER`].
    async fn record_by_row_id(&self, plan: &EntityPlan, row_id: &str) -> Result<Option<(String, Map<String, Value>)>> {
        let filter = format!("{ENTITY_KEY_FILTER}?{ENTITY_KEY_FIELD}");
        let found = self.find_by(&plan.path(), &filter, ENTITY_KEY_FIELD, row_id).await?;
        Ok(found.and_then(|r| Some((r["PKey"].as_str()?.to_owned(), r))))
    }

    /// The PKey of a contact's profile, if it has one.
    fn profile_of(&self, contact_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT pkey FROM campaign_profiles WHERE campaign_connection = ?1 AND contact_id = ?2",
                params![self.link.campaign_connection, contact_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    fn stored_row(&self, plan: &EntityPlan, row_id: &str) -> Result<Option<Stored>> {
        Ok(self
            .conn
            .query_row(
                "SELECT state, pkey FROM campaign_entity_rows
                  WHERE campaign_connection = ?1 AND resource = ?2 AND row_id = ?3",
                params![self.link.campaign_connection, plan.mapping.resource, row_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn remember_row(
        &self,
        plan: &EntityPlan,
        row_id: &str,
        contact: Option<&str>,
        state: &str,
        pkey: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO campaign_entity_rows
                    (campaign_connection, resource, row_id, entity_set, contact_id, state, pkey, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (campaign_connection, resource, row_id) DO UPDATE SET
               entity_set = excluded.entity_set, contact_id = coalesce(excluded.contact_id, contact_id),
               state = excluded.state, pkey = excluded.pkey, updated_at = excluded.updated_at",
            params![
                self.link.campaign_connection,
                plan.mapping.resource,
                row_id,
                plan.mapping.entity_set,
                contact,
                state,
                pkey,
                now()
            ],
        )?;
        Ok(())
    }

    fn forget_row(&self, plan: &EntityPlan, row_id: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM campaign_entity_rows WHERE campaign_connection = ?1 AND resource = ?2 AND row_id = ?3",
            params![self.link.campaign_connection, plan.mapping.resource, row_id],
        )?;
        Ok(())
    }
}
