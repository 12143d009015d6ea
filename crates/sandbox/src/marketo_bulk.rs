//! Marketo bulk lead import (`POST /bulk/v1/leads.json`, multipart CSV under 10 MB else HTTP
//! 413, 2 importing / 10 queued, `rows / marketo_import_rows_per_sec` seconds each) and bulk lead
//! extract (`/bulk/v1/leads/export/...`, 31-day windows, 2 processing / 10 queued, 500 MB a day,
//! statuses updated once a minute).
//! Jobs advance on virtual time whenever Marketo is called.

use crate::clock::{iso_z, parse_datetime};
use crate::data::{Kind, Val};
use crate::http::{Req, text_response};
use crate::marketo::{entity_too_large, fail, json_body, ok, reply, sync_one};
use crate::state::{Shared, central_day, lock};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ImportState {
    Queued,
    Importing,
    Complete,
    Failed,
}

#[derive(Debug)]
pub(crate) struct Import {
    pub id: i64,
    pub state: ImportState,
    /// When the job was accepted (a queued job never starts before it).
    pub queued_ms: i64,
    pub started_ms: i64,
    pub delimiter: u8,
    pub lookup: String,
    pub list_id: Option<i64>,
    /// The file, kept until the job ends.
    pub data: Vec<u8>,
    /// Data rows in the file (records after the header), counted when the file is accepted.
    pub rows: usize,
    /// The file's header, read when the job starts.
    pub headers: Option<Vec<String>>,
    /// Byte offset in `data` of the next record to import.
    pub offset: u64,
    /// Data rows handled so far (imported or failed).
    pub handled: usize,
    /// Leads added to (or already in) `list_id`.
    pub members: usize,
    pub processed: usize,
    pub failed: usize,
    pub warned: usize,
    /// The failures and warnings files: the job's format (delimiter, header, values) with an
    /// extra last column `Import Failure Reason` / `Import Warning Reason`.
    pub failures: Vec<u8>,
    pub warnings: Vec<u8>,
    pub message: String,
}

impl Import {
    /// Virtual milliseconds a started job spends `Importing`: `rows / rate` seconds, and at
    /// least `marketo_job_secs` however small the file.
    fn duration_ms(&self, job_ms: i64, rows_per_sec: u64) -> i64 {
        let rows_ms = if rows_per_sec == 0 { 0 } else { (self.rows as u64 * 1000).div_ceil(rows_per_sec) as i64 };
        rows_ms.max(job_ms)
    }
}

#[derive(Debug)]
pub(crate) struct Export {
    pub id: String,
    pub state: &'static str,
    pub created_ms: i64,
    pub queued_ms: Option<i64>,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub fields: Vec<String>,
    pub headers: BTreeMap<String, String>,
    pub filter: Value,
    pub file: Option<String>,
    pub records: usize,
}

#[derive(Debug, Default)]
pub(crate) struct MarketoJobs {
    pub imports: BTreeMap<i64, Import>,
    pub exports: BTreeMap<String, Export>,
    pub next_import: i64,
}

const RUNNING: usize = 2;
const QUEUE: usize = 10;

/// Moves jobs along their states on virtual time.
pub(crate) fn advance(sh: &Shared, now: i64) {
    let settings = sh.settings();
    let job_ms = settings.marketo_job_secs * 1000;
    let mut jobs = lock(&sh.jobs);
    let mj = &mut jobs.marketo;
    if mj.imports.is_empty() && mj.exports.is_empty() {
        return;
    }
    advance_imports(sh, mj, now, job_ms, settings.marketo_import_rows_per_sec);
    advance_exports(sh, mj, now, job_ms);
}

/// Ends the extract jobs whose time is up, each at its due instant, and starts queued ones in
/// the slots they free at that instant: Marketo works through its queue whether or not anyone
/// calls in between.
fn advance_exports(sh: &Shared, mj: &mut MarketoJobs, now: i64, job_ms: i64) {
    loop {
        let mut freed = Vec::new();
        for e in mj.exports.values_mut().filter(|e| e.state == "Processing") {
            let due = e.started_ms.unwrap_or(now) + job_ms;
            if due <= now {
                run_export(sh, e, due);
                freed.push(due);
            }
        }
        let processing = mj.exports.values().filter(|e| e.state == "Processing").count();
        let slots = RUNNING.saturating_sub(processing);
        freed.sort_unstable();
        // A slot free before this call was free when any job still queued was queued (an earlier
        // call would have started it otherwise).
        freed.resize(freed.len().max(slots), i64::MIN);
        let mut queued: Vec<&mut Export> = mj.exports.values_mut().filter(|e| e.state == "Queued").collect();
        queued.sort_by_key(|e| e.queued_ms);
        let mut started = false;
        for (e, at) in queued.into_iter().take(slots).zip(freed) {
            e.state = "Processing";
            e.started_ms = Some(at.max(e.queued_ms.unwrap_or(at)).min(now));
            started = true;
        }
        if !started {
            break;
        }
    }
}

/// Imports the rows due by `now` and ends the jobs whose time is up. A queued job starts when a
/// slot frees, at the virtual instant the previous job ended, even if nobody called in between.
fn advance_imports(sh: &Shared, mj: &mut MarketoJobs, now: i64, job_ms: i64, rows_per_sec: u64) {
    loop {
        let mut freed = Vec::new();
        let running: Vec<i64> =
            mj.imports.values().filter(|j| j.state == ImportState::Importing).map(|j| j.id).collect();
        for id in running {
            let Some(job) = mj.imports.get_mut(&id) else { continue };
            let due = job.started_ms + job.duration_ms(job_ms, rows_per_sec);
            import_rows(sh, job, now.min(due), rows_per_sec);
            if job.state == ImportState::Failed {
                freed.push(job.started_ms);
            } else if due <= now {
                finish_import(sh, job, due);
                freed.push(due);
            }
        }
        let running = mj.imports.values().filter(|j| j.state == ImportState::Importing).count();
        let slots = RUNNING.saturating_sub(running);
        freed.sort_unstable();
        freed.resize(freed.len().max(slots), now);
        let mut started = false;
        for (job, at) in mj.imports.values_mut().filter(|j| j.state == ImportState::Queued).take(slots).zip(freed) {
            job.state = ImportState::Importing;
            job.started_ms = at.max(job.queued_ms).min(now);
            started = true;
        }
        if !started {
            break;
        }
    }
}

fn csv_reader(delimiter: u8, data: &[u8], headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(headers).from_reader(data)
}

/// One line of a failures or warnings file: the row as sent plus the reason, quoted as needed.
fn csv_line<'a>(delimiter: u8, fields: impl IntoIterator<Item = &'a [u8]>, reason: &'a str) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    let _ = out.write_record(fields.into_iter().chain(std::iter::once(reason.as_bytes())));
    out.into_inner().unwrap_or_default()
}

/// Imports the file's rows up to the share due at virtual time `at` (`rate` rows a second since
/// the job started); the first call reads and checks the header.
fn import_rows(sh: &Shared, job: &mut Import, at: i64, rows_per_sec: u64) {
    let mut w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let headers = match &job.headers {
        Some(h) => h.clone(),
        None => {
            let mut rdr = csv_reader(job.delimiter, &job.data, true);
            let headers: Vec<String> = match rdr.byte_headers() {
                Ok(h) => h.iter().map(|s| String::from_utf8_lossy(s).trim().to_string()).collect(),
                Err(e) => return fail_import(job, format!("Import failed: invalid file ({e})")),
            };
            if let Some(bad) = headers.iter().find(|h| schema.idx(h).is_none()) {
                return fail_import(job, format!("Import failed: Field '{bad}' not found"));
            }
            if schema.idx(&job.lookup).is_none() {
                return fail_import(job, format!("Import failed: Field '{}' not supported", job.lookup));
            }
            job.offset = rdr.position().byte();
            let head: Vec<&[u8]> = headers.iter().map(|h| h.as_bytes()).collect();
            job.failures = csv_line(job.delimiter, head.iter().copied(), "Import Failure Reason");
            job.warnings = csv_line(job.delimiter, head.iter().copied(), "Import Warning Reason");
            job.headers = Some(headers.clone());
            headers
        }
    };
    let Some(li) = schema.idx(&job.lookup) else { return };
    let due = if rows_per_sec == 0 {
        job.rows
    } else {
        let elapsed = (at - job.started_ms).max(0) as u64;
        ((elapsed * rows_per_sec / 1000) as usize).min(job.rows)
    };
    if job.handled >= due {
        return;
    }
    let action = if job.lookup == "id" { "updateOnly" } else { "createOrUpdate" };
    let start = job.offset as usize;
    let mut rdr = csv_reader(job.delimiter, &job.data[start.min(job.data.len())..], false);
    let mut rec = csv::ByteRecord::new();
    while job.handled < due {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => {
                // Fewer rows than counted (cannot happen with the same reader settings): stop here.
                job.handled = job.rows;
                break;
            }
            Err(e) => {
                job.handled += 1;
                job.failed += 1;
                let reason = format!("Invalid row ({e})");
                job.failures.extend(csv_line(job.delimiter, rec.iter(), &reason));
                continue;
            }
        }
        job.handled += 1;
        let mut obj = serde_json::Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if !v.is_empty() {
                obj.insert(h.clone(), Value::String(String::from_utf8_lossy(v).into_owned()));
            }
        }
        let result = sync_one(&mut w, &schema, &Value::Object(obj), action, li, at);
        match result.get("id").and_then(Value::as_i64).filter(|_| result["status"] != "skipped") {
            Some(id) => {
                job.processed += 1;
                if let Some(list) = job.list_id.and_then(|l| w.mk_lists.get_mut(&l)) {
                    list.members.entry(id).or_insert(at);
                    list.updated = at;
                    job.members += 1;
                }
            }
            None => {
                job.failed += 1;
                let reason = result["reasons"][0]["message"].as_str().unwrap_or("Invalid data");
                job.failures.extend(csv_line(job.delimiter, rec.iter(), reason));
            }
        }
    }
    job.offset = start as u64 + rdr.position().byte();
}

fn fail_import(job: &mut Import, message: String) {
    job.state = ImportState::Failed;
    job.message = message;
    job.data = Vec::new();
}

fn finish_import(sh: &Shared, job: &mut Import, at: i64) {
    if job.handled < job.rows {
        // Whatever is left at the due time (rounding) is imported then.
        import_rows(sh, job, at, 0);
    }
    let members = if job.list_id.is_some() { job.members } else { job.processed };
    job.state = ImportState::Complete;
    job.message = if job.failed == 0 {
        format!("Import succeeded, {} records imported ({members} members)", job.processed)
    } else {
        format!(
            "Import completed with errors, {} records imported ({members} members), {} failed",
            job.processed, job.failed
        )
    };
    job.data = Vec::new();
}

fn run_export(sh: &Shared, e: &mut Export, now: i64) {
    let w = lock(&sh.world);
    let schema = w.mk_leads.schema.clone();
    let idx: Vec<usize> = e.fields.iter().filter_map(|f| schema.idx(f)).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(e.fields.iter().map(|f| e.headers.get(f).cloned().unwrap_or_else(|| f.clone())));
    let window = |key: &str| -> Option<(i64, i64)> {
        let f = e.filter.get(key)?;
        Some((parse_datetime(f.get("startAt")?.as_str()?)?, parse_datetime(f.get("endAt")?.as_str()?)?))
    };
    let created = window("createdAt");
    let updated = window("updatedAt");
    let list = e.filter.get("staticListId").and_then(Value::as_i64).and_then(|l| w.mk_lists.get(&l));
    let mut n = 0;
    for (id, r) in &w.mk_leads.rows {
        let within = |field: &str, win: Option<(i64, i64)>| {
            win.is_none_or(|(s, en)| r.get(&schema, field).as_int().is_some_and(|t| t >= s && t <= en))
        };
        if !within("createdAt", created)
            || !within("updatedAt", updated)
            || list.is_some_and(|l| !l.members.contains_key(id))
        {
            continue;
        }
        let cells: Vec<String> = idx
            .iter()
            .map(|&i| match &r.0[i] {
                Val::Null => String::new(),
                Val::Int(ms) if schema.fields[i].kind == Kind::DateTime => iso_z(*ms),
                Val::Int(v) => v.to_string(),
                Val::Bool(b) => b.to_string(),
                Val::Str(s) => s.to_string(),
            })
            .collect();
        let _ = out.write_record(&cells);
        n += 1;
    }
    let file = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let mut limits = lock(&sh.limits);
    let day = central_day(now);
    if limits.marketo_export_bytes.0 != day {
        limits.marketo_export_bytes = (day, 0);
    }
    limits.marketo_export_bytes.1 += file.len() as u64;
    e.records = n;
    e.file = Some(file);
    e.state = "Completed";
    e.finished_ms = Some(now);
}

fn import_json(j: &Import) -> Value {
    let status = match j.state {
        ImportState::Queued => "Queued",
        ImportState::Importing => "Importing",
        ImportState::Complete => "Complete",
        ImportState::Failed => "Failed",
    };
    let message = match j.state {
        ImportState::Queued => "Queued for processing".to_string(),
        ImportState::Importing => "Import in progress".to_string(),
        _ => j.message.clone(),
    };
    json!({"batchId": j.id, "importId": j.id.to_string(), "status": status, "numOfLeadsProcessed": j.processed,
        "numOfRowsFailed": j.failed, "numOfRowsWithWarning": j.warned, "message": message})
}

/// How often extract jobs' statuses are updated, in virtual milliseconds (0: at once).
fn status_update_ms(sh: &Shared) -> i64 {
    let settings = sh.settings();
    if settings.limits_enabled { settings.marketo_export_status_secs.max(0) * 1000 } else { 0 }
}

/// Whether a finished job shows as finished at `now`: statuses are updated every `update_ms`
/// from when the job was queued, so a job done in seconds still waits for the next update.
fn shows_finished(e: &Export, now: i64, update_ms: i64) -> bool {
    match (e.queued_ms, e.finished_ms) {
        (Some(queued), Some(finished)) if update_ms > 0 => {
            let updates = (finished - queued).max(0).saturating_add(update_ms - 1) / update_ms;
            queued + updates * update_ms <= now
        }
        (_, finished) => finished.is_some(),
    }
}

/// A job as its status shows it at `now`: a finished one not yet updated is still `Processing`.
fn export_json(e: &Export, now: i64, update_ms: i64) -> Value {
    let shown = shows_finished(e, now, update_ms);
    let state = if e.state == "Completed" && !shown { "Processing" } else { e.state };
    let mut v = json!({"exportId": e.id, "format": "CSV", "status": state, "createdAt": iso_z(e.created_ms)});
    if let Some(t) = e.queued_ms {
        v["queuedAt"] = json!(iso_z(t));
    }
    if let Some(t) = e.started_ms {
        v["startedAt"] = json!(iso_z(t));
    }
    if !shown {
        return v;
    }
    if let Some(t) = e.finished_ms {
        v["finishedAt"] = json!(iso_z(t));
    }
    if let Some(f) = &e.file {
        v["numberOfRecords"] = json!(e.records);
        v["fileSize"] = json!(f.len());
        v["fileChecksum"] = json!(Sha256::digest(f.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
    v
}

fn csv_file(body: String) -> Response {
    text_response(StatusCode::OK, "text/csv;charset=UTF-8", body)
}

pub(crate) async fn route(sh: &Shared, req: &Req, now: i64) -> Response {
    let segs = req.segments();
    let m = &req.method;
    match segs.as_slice() {
        ["bulk", "v1", "leads.json"] if m == Method::POST => match create_import(sh, req, now).await {
            Ok(v) | Err(Refused::Answer(v)) => reply(v),
            Err(Refused::TooLarge) => entity_too_large(sh),
        },
        ["bulk", "v1", "leads", "batch", id] if m == Method::GET => {
            let jobs = lock(&sh.jobs);
            match id
                .strip_suffix(".json")
                .and_then(|i| i.parse::<i64>().ok())
                .and_then(|i| jobs.marketo.imports.get(&i))
            {
                Some(j) => reply(ok(vec![import_json(j)])),
                None => reply(fail("1003", "Invalid batchId")),
            }
        }
        ["bulk", "v1", "leads", "batch", id, file @ ("failures.json" | "warnings.json")] if m == Method::GET => {
            let jobs = lock(&sh.jobs);
            match id.parse::<i64>().ok().and_then(|i| jobs.marketo.imports.get(&i)) {
                Some(j) if j.state == ImportState::Complete => {
                    let body = if *file == "failures.json" { &j.failures } else { &j.warnings };
                    csv_file(String::from_utf8_lossy(body).into_owned())
                }
                Some(_) => reply(fail("1003", "Import is not complete")),
                None => reply(fail("1003", "Invalid batchId")),
            }
        }
        ["bulk", "v1", "leads", "export", "create.json"] if m == Method::POST => reply(create_export(sh, req, now)),
        ["bulk", "v1", "leads", "export.json"] if m == Method::GET => {
            let update_ms = status_update_ms(sh);
            let jobs = lock(&sh.jobs);
            let status: Vec<&str> = req.q_all("status").into_iter().flat_map(|s| s.split(',')).collect();
            reply(ok(jobs
                .marketo
                .exports
                .values()
                .map(|e| export_json(e, now, update_ms))
                .filter(|e| status.is_empty() || e["status"].as_str().is_some_and(|s| status.contains(&s)))
                .collect()))
        }
        ["bulk", "v1", "leads", "export", id, action] => export_action(sh, id, action, m, now),
        _ => reply(fail("610", "Requested resource not found")),
    }
}

/// Files of 10 MB or more are refused with HTTP 413 before they are queued. Marketo says
/// "10 MB"; the decimal reading is the stricter one, so a client that passes here passes there.
pub(crate) const IMPORT_MAX_FILE: usize = 10_000_000;

enum Refused {
    Answer(Value),
    TooLarge,
}

async fn create_import(sh: &Shared, req: &Req, now: i64) -> Result<Value, Refused> {
    let fail = |code: &str, message: &str| Err(Refused::Answer(fail(code, message)));
    let ct = req.header("content-type").unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return fail("612", "Invalid Content Type");
    }
    let Ok(boundary) = multer::parse_boundary(ct) else { return fail("613", "Invalid Multipart Request") };
    let body = req.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut params: Vec<(String, String)> = req.query.clone();
    let mut file: Option<Vec<u8>> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let is_file = field.file_name().is_some() || name == "file";
                match field.bytes().await {
                    Ok(b) if is_file && name == "file" => file = Some(b.to_vec()),
                    Ok(b) => params.push((name, String::from_utf8_lossy(&b).to_string())),
                    Err(_) => return fail("613", "Invalid Multipart Request"),
                }
            }
            Ok(None) => break,
            Err(_) => return fail("613", "Invalid Multipart Request"),
        }
    }
    let Some(data) = file else { return fail("701", "file cannot be blank") };
    if data.len() >= IMPORT_MAX_FILE {
        return Err(Refused::TooLarge);
    }
    let get = |k: &str| params.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let delimiter = match get("format").unwrap_or_else(|| "csv".into()).to_ascii_lowercase().as_str() {
        "csv" => b',',
        "tsv" => b'\t',
        "ssv" => b';',
        other => return fail("1003", &format!("Invalid format '{other}'")),
    };
    let lookup = get("lookupField").unwrap_or_else(|| "email".into());
    let list_id = match get("listId") {
        Some(l) => match l.parse::<i64>() {
            Ok(id) if lock(&sh.world).mk_lists.contains_key(&id) => Some(id),
            _ => return fail("1013", "Static list not found"),
        },
        None => None,
    };
    let rows = {
        let mut rdr = csv_reader(delimiter, &data, true);
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while rdr.read_byte_record(&mut rec).unwrap_or(true) {
            n += 1;
        }
        n
    };
    let mut jobs = lock(&sh.jobs);
    let mj = &mut jobs.marketo;
    let active =
        mj.imports.values().filter(|j| matches!(j.state, ImportState::Queued | ImportState::Importing)).count();
    if active >= QUEUE {
        drop(jobs);
        sh.violation("marketo", "1016");
        return fail("1016", "Too many imports");
    }
    if list_id.is_some()
        && mj
            .imports
            .values()
            .any(|j| j.list_id == list_id && matches!(j.state, ImportState::Queued | ImportState::Importing))
    {
        return fail("1019", "Import in progress");
    }
    // A free slot starts the job at once; the answer says `Queued` all the same, as Marketo's does.
    let running = mj.imports.values().filter(|j| j.state == ImportState::Importing).count();
    let state = if running < RUNNING { ImportState::Importing } else { ImportState::Queued };
    mj.next_import += 1;
    let id = 3400 + mj.next_import;
    mj.imports.insert(
        id,
        Import {
            id,
            state,
            queued_ms: now,
            started_ms: now,
            delimiter,
            lookup,
            list_id,
            data,
            rows,
            headers: None,
            offset: 0,
            handled: 0,
            members: 0,
            processed: 0,
            failed: 0,
            warned: 0,
            failures: Vec::new(),
            warnings: Vec::new(),
            message: String::new(),
        },
    );
    Ok(ok(vec![json!({"batchId": id, "importId": id.to_string(), "status": "Queued"})]))
}

fn create_export(sh: &Shared, req: &Req, now: i64) -> Value {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let schema = lock(&sh.world).mk_leads.schema.clone();
    let fields: Vec<String> = body
        .get("fields")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect())
        .unwrap_or_default();
    if fields.is_empty() {
        return fail("1003", "fields cannot be blank");
    }
    if let Some(bad) = fields.iter().find(|f| schema.idx(f).is_none()) {
        return fail("1006", &format!("Field '{bad}' not found"));
    }
    if body.get("format").and_then(Value::as_str).is_some_and(|f| !f.eq_ignore_ascii_case("csv")) {
        return fail("1003", "Invalid format");
    }
    let Some(filter) = body.get("filter").and_then(Value::as_object).filter(|f| !f.is_empty()) else {
        return fail("1003", "filter cannot be blank");
    };
    for (k, v) in filter {
        match k.as_str() {
            "createdAt" | "updatedAt" => {
                let (Some(s), Some(e)) = (
                    v.get("startAt").and_then(Value::as_str).and_then(parse_datetime),
                    v.get("endAt").and_then(Value::as_str).and_then(parse_datetime),
                ) else {
                    return fail("1003", &format!("Invalid date range for '{k}'"));
                };
                if e < s || e - s > 31 * 86_400_000 {
                    return fail("1003", &format!("{k}.endAt cannot be more than 31 days after {k}.startAt"));
                }
            }
            "staticListId" => {
                if !v.as_i64().is_some_and(|l| lock(&sh.world).mk_lists.contains_key(&l)) {
                    return fail("1003", "Static list not found");
                }
            }
            other => return fail("1035", &format!("Unsupported filter type '{other}'")),
        }
    }
    let headers: BTreeMap<String, String> = body
        .get("columnHeaderNames")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    let id = uuid::Uuid::new_v4().to_string();
    let e = Export {
        id: id.clone(),
        state: "Created",
        created_ms: now,
        queued_ms: None,
        started_ms: None,
        finished_ms: None,
        fields,
        headers,
        filter: Value::Object(filter.clone()),
        file: None,
        records: 0,
    };
    let v = export_json(&e, now, 0);
    lock(&sh.jobs).marketo.exports.insert(id, e);
    ok(vec![v])
}

fn export_action(sh: &Shared, id: &str, action: &str, m: &Method, now: i64) -> Response {
    let settings = sh.settings();
    let update_ms = status_update_ms(sh);
    let used = {
        let l = lock(&sh.limits);
        if l.marketo_export_bytes.0 == central_day(now) { l.marketo_export_bytes.1 } else { 0 }
    };
    let mut jobs = lock(&sh.jobs);
    let active = jobs.marketo.exports.values().filter(|e| matches!(e.state, "Queued" | "Processing")).count();
    let Some(e) = jobs.marketo.exports.get_mut(id) else { return reply(fail("1003", "Export job not found")) };
    match (action, m) {
        ("enqueue.json", &Method::POST) => {
            if e.state != "Created" {
                return reply(fail("1029", "Job already queued"));
            }
            if active >= QUEUE {
                return reply(fail("1029", "Too many jobs (10) in queue"));
            }
            if used >= settings.marketo_export_daily_bytes {
                return reply(fail(
                    "1029",
                    &format!("Export daily quota {}MB exceeded", settings.marketo_export_daily_bytes / (1024 * 1024)),
                ));
            }
            e.state = "Queued";
            e.queued_ms = Some(now);
            reply(ok(vec![export_json(e, now, update_ms)]))
        }
        ("status.json", &Method::GET) => reply(ok(vec![export_json(e, now, update_ms)])),
        ("file.json", &Method::GET) => match &e.file {
            Some(f) if shows_finished(e, now, update_ms) => csv_file(f.clone()),
            _ => reply(fail("1003", "Export is not completed")),
        },
        ("cancel.json", &Method::POST) => {
            if matches!(e.state, "Completed" | "Failed" | "Canceled") {
                return reply(fail("1003", &format!("Job is {}", e.state)));
            }
            e.state = "Canceled";
            reply(ok(vec![export_json(e, now, update_ms)]))
        }
        _ => reply(fail("610", "Requested resource not found")),
    }
}
