//! [`Consumable`]: a [`Tool`] whose items other programs can send one at a
//! time, as messages on a broker's queue.
//!
//! A broker engine (the `pool-amqp` crate) reads each message body as one
//! [`Item`](Consumable::Item), in a JSON shape the tool documents and any
//! program can write (the mailer's is an object of a row's columns), and
//! turns it into the tool's job with [`job_from_item`](Consumable::job_from_item)
//! on the tool a consumer built from its own settings (a template, sizes,
//! a layout). The same tool, built from its usual inputs, writes those
//! items with [`item`](Consumable::item), so that a run can be fed from
//! the command line too. Nothing here knows of a broker.
//!
//! # Example
//!
//! ```
//! # use std::convert::Infallible;
//! # use std::path::PathBuf;
//! # use pool::{async_fn, AsyncFn, Consumable, Failure, IterSource, JobContext, JobError, Tool};
//! # struct Squares { n: u64 }
//! # type Source = IterSource<std::iter::Map<std::ops::Range<u64>, fn(u64) -> Result<String, Infallible>>>;
//! # type Square = fn(String, JobContext) -> std::future::Ready<Result<u64, JobError<String>>>;
//! # fn square(job: String, _cx: JobContext) -> std::future::Ready<Result<u64, JobError<String>>> {
//! #     std::future::ready(Ok(job.len() as u64))
//! # }
//! # impl Tool for Squares {
//! #     type Source = Source;
//! #     type Handler = AsyncFn<Square>;
//! #     fn name(&self) -> &'static str { "squares" }
//! #     fn handler(&self) -> Self::Handler { async_fn(square as Square) }
//! #     fn source(&mut self) -> Self::Source {
//! #         IterSource((1..self.n + 1).map((|n| Ok(n.to_string())) as fn(u64) -> Result<String, Infallible>))
//! #     }
//! #     fn failures_path(&self) -> PathBuf { PathBuf::from("squares-failures.tsv") }
//! #     fn failure_row(&self, failure: &Failure<'_, Self>) -> Vec<String> { vec![failure.reason()] }
//! # }
//! /// A message is a number; anything else is refused.
//! impl Consumable for Squares {
//!     type Item = u64;
//!
//!     fn item(&self, job: &String) -> Result<u64, String> {
//!         job.parse().map_err(|e| format!("{job:?}: {e}"))
//!     }
//!     fn job_from_item(&self, item: u64, _number: u64) -> Result<String, String> {
//!         Ok(item.to_string())
//!     }
//!     fn written(&self, job: &String, square: &u64) -> Vec<String> {
//!         vec![format!("{job}² = {square}")]
//!     }
//! }
//!
//! let squares = Squares { n: 3 };
//! assert_eq!(squares.item(&"2".to_owned()).and_then(|i| squares.job_from_item(i, 1)), Ok("2".to_owned()));
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tool::{JobOf, OutputOf, Tool};

/// A [`Tool`] whose jobs can arrive one at a time as messages; see the
/// [module docs](self).
pub trait Consumable: Tool {
    /// One item as a message holds it: JSON that any program can write,
    /// and that this type's `Deserialize` checks (a message that does not
    /// fit is refused with serde's reason).
    type Item: Serialize + DeserializeOwned + Send + 'static;

    /// The item for `job`, read from the tool's own inputs (to publish it).
    ///
    /// # Errors
    ///
    /// Why the job cannot be sent (its rows could not be read back).
    fn item(&self, job: &JobOf<Self>) -> Result<Self::Item, String>;

    /// The job `item` asks for, on the consumer that received it. `number`
    /// counts the items this consumer received, from 1 (a tool that
    /// numbers its jobs, as the mailer numbers rows by line, uses it).
    ///
    /// # Errors
    ///
    /// Why the item can never become a job here (a row the template cannot
    /// render, a path outside the input folder): it fails for good with
    /// this text.
    fn job_from_item(&self, item: Self::Item, number: u64) -> Result<JobOf<Self>, String>;

    /// What a succeeded job wrote, in words another program can use: the
    /// files or keys it made, the message it sent.
    fn written(&self, job: &JobOf<Self>, output: &OutputOf<Self>) -> Vec<String>;
}
