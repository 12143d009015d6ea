//! Inviting members: one by one, or from a CSV file after a mapping review.

pub mod csv;
