//! Stage 1 and 2: the rows. Inputs are streamed one [`Record`] at a time
//! ([`input`], [`json_rows`], with [`lines`] counting lines the same way
//! for every format), grouped by a column with bounded memory ([`group`]),
//! and described column by column for the default layout
//! ([`column_stats`]). Nothing here knows of layouts, fonts or PDFs.
//!
//! [`Record`]: record::Record

pub(crate) mod column_stats;
pub(crate) mod group;
pub(crate) mod input;
pub(crate) mod json_rows;
pub(crate) mod lines;
pub(crate) mod record;
