//! The checks of each row: email present, valid and not repeated in the file (the first
//! occurrence counts) or in the workspace, a known role; and the issues they produce.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};

use super::mapping::{Mapping, MemberField};
use super::rows::*;
use super::values::{EmailProblem, check_email, normalize_email_into, parse_role};
use super::{shorten, thousands};
use crate::i18n::Text;
use crate::{Result, msg};

/// A 128-bit digest of a normalised address: two independent SipHash runs. Collisions are
/// astronomically unlikely (about 10⁻²⁶ for a million rows), and the duplicate table stays at
/// 24 bytes per distinct address however long the addresses are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Digest(u64, u64);

impl Digest {
    pub(super) fn of(normalized: &str) -> Self {
        let mut a = DefaultHasher::new();
        a.write(normalized.as_bytes());
        let mut b = DefaultHasher::new();
        b.write_u8(0xA5);
        b.write(normalized.as_bytes());
        Self(a.finish(), b.finish())
    }
}

impl std::hash::Hash for Digest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

/// The keys are already uniform digests; hashing them again would only cost time.
#[derive(Default)]
pub(super) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug)]
pub(super) enum EmailFinding {
    Missing,
    Invalid(EmailProblem),
    Ok,
}

/// What the checks found on one row.
#[derive(Debug)]
pub(super) struct Findings {
    excluded: bool,
    email: EmailFinding,
    duplicate_of: Option<u64>,
    existing: Option<ExistingKind>,
    unknown_role: bool,
    extra_cells: usize,
}

impl Findings {
    pub(super) fn status(&self) -> RowStatus {
        if self.excluded {
            RowStatus::Excluded
        } else if !matches!(self.email, EmailFinding::Ok) || self.unknown_role {
            RowStatus::Invalid
        } else if self.duplicate_of.is_some() {
            RowStatus::Duplicate
        } else if self.existing.is_some() {
            RowStatus::Existing
        } else {
            RowStatus::Valid
        }
    }

    pub(super) fn codes(&self) -> impl Iterator<Item = IssueCode> {
        let email = match self.email {
            EmailFinding::Missing => Some(IssueCode::MissingEmail),
            EmailFinding::Invalid(_) => Some(IssueCode::InvalidEmail),
            EmailFinding::Ok => None,
        };
        let existing = self.existing.map(|k| match k {
            ExistingKind::Member => IssueCode::AlreadyMember,
            ExistingKind::Invited => IssueCode::AlreadyInvited,
        });
        [
            email,
            self.duplicate_of.map(|_| IssueCode::DuplicateInFile),
            existing,
            self.unknown_role.then_some(IssueCode::UnknownRole),
            (self.extra_cells > 0).then_some(IssueCode::ExtraCells),
        ]
        .into_iter()
        .flatten()
        .filter(move |_| !self.excluded)
    }
}

/// The per-row checks shared by preview and validation.
pub(super) struct Checker<'a> {
    email: usize,
    role: Option<usize>,
    width: usize,
    /// First data row (as u32: rows are capped far below 4 billion) per distinct address.
    seen: HashMap<Digest, u32, BuildHasherDefault<DigestHasher>>,
    existing: &'a dyn ExistingMembers,
    excluded: &'a BTreeSet<u64>,
    normalized: String,
}

impl<'a> Checker<'a> {
    pub(super) fn new(
        mapping: &Mapping,
        existing: &'a dyn ExistingMembers,
        excluded: &'a BTreeSet<u64>,
        expected_rows: u64,
    ) -> Result<Self> {
        mapping.validate()?;
        Ok(Self {
            email: mapping.get(MemberField::Email).unwrap_or(0),
            role: mapping.get(MemberField::Role),
            width: mapping.columns().len(),
            // Sized up front from the estimate: growing the table would briefly hold two copies.
            seen: HashMap::with_capacity_and_hasher(expected_rows as usize, BuildHasherDefault::default()),
            existing,
            excluded,
            normalized: String::new(),
        })
    }

    pub(super) fn check(&mut self, row: u64, record: &csv::StringRecord) -> Findings {
        let excluded = self.excluded.contains(&row);
        let raw = record.get(self.email).unwrap_or("").trim();
        let email = if raw.is_empty() {
            EmailFinding::Missing
        } else {
            match check_email(raw) {
                Ok(()) => EmailFinding::Ok,
                Err(problem) => EmailFinding::Invalid(problem),
            }
        };
        let mut duplicate_of = None;
        let mut existing = None;
        if matches!(email, EmailFinding::Ok) && !excluded {
            normalize_email_into(raw, &mut self.normalized);
            match self.seen.entry(Digest::of(&self.normalized)) {
                std::collections::hash_map::Entry::Occupied(first) => duplicate_of = Some(u64::from(*first.get())),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(u32::try_from(row).unwrap_or(u32::MAX));
                }
            }
            existing = self.existing.lookup(&self.normalized);
        }
        let unknown_role = self.role.is_some_and(|i| parse_role(record.get(i).unwrap_or("")).is_none());
        let extra_cells = if record.len() > self.width {
            record.iter().skip(self.width).filter(|c| !c.trim().is_empty()).count()
        } else {
            0
        };
        Findings { excluded, email, duplicate_of, existing, unknown_role, extra_cells }
    }

    pub(super) fn issues(&self, findings: &Findings, row: u64, line: u64, record: &csv::StringRecord) -> Vec<RowIssue> {
        let email = shorten(record.get(self.email).unwrap_or("").trim(), 80);
        findings
            .codes()
            .map(|code| {
                let (field, message) = match code {
                    IssueCode::MissingEmail => (Some(MemberField::Email), msg!("csv-issue-missing-email")),
                    IssueCode::InvalidEmail => {
                        let why = match &findings.email {
                            EmailFinding::Invalid(problem) => problem.explain(),
                            _ => Text::verbatim(""),
                        };
                        (Some(MemberField::Email), msg!("csv-issue-invalid-email", email = &email, reason = why))
                    }
                    IssueCode::DuplicateInFile => (
                        Some(MemberField::Email),
                        msg!(
                            "csv-issue-duplicate-in-file",
                            email = &email,
                            row = thousands(findings.duplicate_of.unwrap_or(0))
                        ),
                    ),
                    IssueCode::AlreadyMember => {
                        (Some(MemberField::Email), msg!("csv-issue-already-member", email = &email))
                    }
                    IssueCode::AlreadyInvited => {
                        (Some(MemberField::Email), msg!("csv-issue-already-invited", email = &email))
                    }
                    IssueCode::UnknownRole => (
                        Some(MemberField::Role),
                        msg!(
                            "csv-issue-unknown-role",
                            role = shorten(record.get(self.role.unwrap_or(0)).unwrap_or("").trim(), 40)
                        ),
                    ),
                    IssueCode::ExtraCells => {
                        let extras: Vec<String> = record
                            .iter()
                            .skip(self.width)
                            .map(str::trim)
                            .filter(|c| !c.is_empty())
                            .take(3)
                            .map(|c| format!("“{}”", shorten(c, 30)))
                            .collect();
                        (None, msg!("csv-issue-extra-cells", count = findings.extra_cells, cells = extras.join(", ")))
                    }
                };
                RowIssue { row, line, field, code, severity: code.severity(), message }
            })
            .collect()
    }
}
