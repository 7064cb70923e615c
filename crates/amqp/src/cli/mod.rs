//! The verbs every tool takes to work with a RabbitMQ queue, for any
//! [`Consume`] app: [`engine`] hands them to `pool::cli::main`.
//!
//! ```no_run
//! # use pool::cli::Consume;
//! # fn main_of<MyApp: Consume>() -> std::process::ExitCode {
//! pool::cli::main::<MyApp>(&[pool_amqp::cli::engine()])
//! # }
//! ```

mod consume;
mod publish;

use std::marker::PhantomData;
use std::process::ExitCode;

use clap::{ArgMatches, Args as _, Command, FromArgMatches as _};
use pool::cli::{Consume, Engine, Verb};

pub use consume::{ConsumeArgs, consume_command};
pub use publish::{PublishArgs, publish_command};

/// The verbs, as the program's `--help` lists them.
const VERBS: &[Verb] = &[
    Verb {
        name: "publish",
        about: "send one message per input item to a queue (the usual inputs and flags, and --amqp)",
    },
    Verb {
        name: "consume",
        about: "run the items other programs send to a queue, beside any number of other consumers",
    },
];

/// The RabbitMQ engine's verbs for app `A`.
pub fn engine<A: Consume>() -> Engine<A> {
    Engine {
        title: "From a RabbitMQ queue other programs feed (--amqp URL or AMQP_URL, --amqp-queue NAME)",
        verbs: VERBS,
        command: command::<A>,
        run: run::<A>,
        app: PhantomData,
    }
}

/// The command line of `verb`.
fn command<A: Consume>(verb: &'static str) -> Command {
    let base = Command::new(format!("{} {verb}", A::NAME));
    match verb {
        "publish" => A::Inputs::augment_args(PublishArgs::augment_args(base)).about(format!(
            "Check the inputs as `{0} enqueue` does and send one persistent message per item \
             to the queue (counted once the broker confirms it); `{0} consume` runs them",
            A::NAME
        )),
        "consume" => A::Worker::augment_args(A::Settings::augment_args(ConsumeArgs::augment_args(
            base,
        )))
        .about(
            "Run the items of a queue as they come, until Ctrl-C or SIGTERM: each message is \
             acknowledged once its outcome is recorded; failures are retried through a delay \
             queue, then go to NAME.dead with their reason",
        )
        .mut_arg("rate", |a| {
            a.help("Rate limit of this consumer process, e.g. 10/s, 600/min, 10/s,burst=20")
        })
        .mut_arg("max_failures", |a| {
            a.help(
                "Stop this consumer after this many items have failed for good (gone to \
                 NAME.dead): nothing new is started, the running jobs finish, the rest go back \
                 to the queue [default: never stop]",
            )
        }),
        other => base.about(format!("unknown verb {other}")),
    }
}

/// Runs `verb` with its parsed flags.
fn run<A: Consume>(verb: &'static str, matches: ArgMatches) -> ExitCode {
    match verb {
        "publish" => match (
            A::Inputs::from_arg_matches(&matches),
            PublishArgs::from_arg_matches(&matches),
        ) {
            (Ok(inputs), Ok(args)) => {
                pool::cli::run_main(A::NAME, A::THREADS, publish::publish_app::<A>(inputs, args))
            }
            (Err(e), _) | (_, Err(e)) => e.exit(),
        },
        "consume" => match (
            A::Settings::from_arg_matches(&matches),
            A::Worker::from_arg_matches(&matches),
            ConsumeArgs::from_arg_matches(&matches),
        ) {
            (Ok(settings), Ok(worker), Ok(args)) => pool::cli::run_main(
                A::NAME,
                A::THREADS,
                consume::consume_app::<A>(settings, worker, args),
            ),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => e.exit(),
        },
        _ => ExitCode::from(2),
    }
}

/// A folder for what the tool fetches (an `s3://` folder), removed at the
/// end.
fn staging() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("workpool-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))
}
