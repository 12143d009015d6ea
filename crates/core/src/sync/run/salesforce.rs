//! Salesforce reads: contacts and leads, and the deleted ones.

use super::Ctx;
use crate::connections::salesforce::soql_string;
use crate::sync::cache::Source;
use crate::sync::records::{self, SfObject};
use crate::{Error, Result, msg};

impl Ctx<'_> {
    /// Contacts or (unconverted) leads: all of them, or those changed since the cursor, in Id
    /// order so a resumed run continues after the last Id it wrote.
    pub(super) async fn salesforce(&mut self, object: SfObject) -> Result<()> {
        let source = if object == SfObject::Contact { Source::SalesforceContact } else { Source::SalesforceLead };
        let mut conditions = Vec::new();
        if object == SfObject::Lead {
            conditions.push("IsConverted = false".to_owned());
        }
        if !self.cp.full {
            let since = self
                .cp
                .old_cursors
                .get(&format!("salesforce.{}", object.name()))
                .cloned()
                .ok_or_else(|| Error::internal(msg!("sync-no-cursor", cursor = "Salesforce")))?;
            conditions.push(format!("SystemModstamp >= {since}"));
        }
        if let Some(last) = &self.cp.position {
            conditions.push(format!("Id > {}", soql_string(last)));
        }
        let soql = format!(
            "SELECT {} FROM {}{} ORDER BY Id",
            object.fields(&self.mapping).join(", "),
            object.name(),
            if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
        );
        let mut page = self.sf.query(&soql, false).await?;
        let total = page["totalSize"].as_u64().unwrap_or(0).max(1);
        let mut seen = 0u64;
        loop {
            let mut batch = Vec::new();
            let mut rejected = Vec::new();
            let rows = page["records"].as_array().cloned().unwrap_or_default();
            for rec in &rows {
                match records::salesforce_record(rec, object, &self.mapping) {
                    Ok(r) => batch.push(r),
                    Err(r) => rejected.push(r),
                }
            }
            if let Some(last) = rows.last().and_then(|r| r["Id"].as_str()) {
                self.cp.position = Some(last.to_owned());
            }
            seen += rows.len() as u64;
            self.phase_fraction = seen as f64 / total as f64;
            self.commit_batch(source, &batch, &rejected)?;
            if self.control.cancelled() {
                return Ok(());
            }
            match page["nextRecordsUrl"].as_str() {
                Some(next) if page["done"].as_bool() != Some(true) => page = self.sf.get_url(next).await?,
                _ => return Ok(()),
            }
        }
    }

    pub(super) async fn salesforce_deleted(&mut self) -> Result<()> {
        for object in [SfObject::Contact, SfObject::Lead] {
            let since = self.cp.old_cursors.get(&format!("salesforce.{}", object.name())).cloned().unwrap_or_default();
            if since.is_empty() {
                continue;
            }
            let soql = format!("SELECT Id FROM {} WHERE IsDeleted = true AND SystemModstamp >= {since}", object.name());
            let mut page = self.sf.query(&soql, true).await?;
            let source = if object == SfObject::Contact { Source::SalesforceContact } else { Source::SalesforceLead };
            loop {
                let ids: Vec<String> = page["records"]
                    .as_array()
                    .map(|r| r.iter().filter_map(|x| x["Id"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                self.forget(source, &ids)?;
                match page["nextRecordsUrl"].as_str() {
                    Some(next) if page["done"].as_bool() != Some(true) => page = self.sf.get_url(next).await?,
                    _ => break,
                }
            }
        }
        Ok(())
    }
}
