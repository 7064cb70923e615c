//! [`main`]: an app's whole `main`: the single-machine command and every
//! engine's verbs ([`Engine`]), with one rule for flags: a flag a verb does
//! not take is refused (exit 2) with a line naming the commands that take
//! it.

use std::ffi::OsString;
use std::marker::PhantomData;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgMatches, Command, CommandFactory as _, FromArgMatches as _};

use super::app::App;
use super::runtime::run_main;

/// One verb of an engine: `enqueue`, `work`.
#[derive(Debug, Clone, Copy)]
pub struct Verb {
    /// What follows the program's name: `enqueue`.
    pub name: &'static str,
    /// One line for the program's `--help`.
    pub about: &'static str,
}

/// The verbs an engine adds to every app, for app `A`: made by the engine
/// crate (`pool_postgres::engine()`).
pub struct Engine<A> {
    /// A title for the program's `--help`: `Across machines, on a
    /// PostgreSQL queue`.
    pub title: &'static str,
    /// Its verbs.
    pub verbs: &'static [Verb],
    /// The command line of a verb (its flags and help).
    pub command: fn(&'static str) -> Command,
    /// Runs a verb with the flags parsed by its command; the exit status.
    pub run: fn(&'static str, ArgMatches) -> ExitCode,
    /// The app.
    pub app: PhantomData<fn() -> A>,
}

impl<A> std::fmt::Debug for Engine<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("title", &self.title)
            .field("verbs", &self.verbs)
            .finish_non_exhaustive()
    }
}

/// The app's single-machine command, with a paragraph on every engine's
/// verbs after its help.
pub fn single_command<A: App>(engines: &[Engine<A>]) -> Command {
    let mut help = String::new();
    for engine in engines {
        help.push_str(&format!("{}:\n", engine.title));
        for verb in engine.verbs {
            help.push_str(&format!("  {} {:<8} {}\n", A::NAME, verb.name, verb.about));
        }
        help.push('\n');
    }
    help.push_str(&format!("`{} VERB --help` tells more.", A::NAME));
    A::Single::command().after_help(help)
}

/// Every command of the app: the single-machine one first, then each
/// engine's verbs, named as a user types them (`mailer work`).
pub fn commands<A: App>(engines: &[Engine<A>]) -> Vec<(String, Command)> {
    let mut all = vec![(A::NAME.to_owned(), single_command(engines))];
    for engine in engines {
        for verb in engine.verbs {
            let name = format!("{} {}", A::NAME, verb.name);
            all.push((name, (engine.command)(verb.name)));
        }
    }
    all
}

/// Runs the app's command line: `args` is the whole of it, the program's
/// name first. A first argument naming an engine's verb runs that verb;
/// anything else is the single-machine command. Bad usage exits 2 before
/// any work, as every verb does.
pub fn main_with<A: App>(engines: &[Engine<A>], args: Vec<OsString>) -> ExitCode {
    let all = commands(engines);
    let verb = args.get(1).and_then(|a| a.to_str()).and_then(|a| {
        engines
            .iter()
            .find_map(|e| e.verbs.iter().find(|v| v.name == a).map(|v| (e, v.name)))
    });
    match verb {
        Some((engine, verb)) => {
            let name = format!("{} {verb}", A::NAME);
            let command = (engine.command)(verb)
                .name(name.clone())
                .bin_name(name.clone());
            let argv = std::iter::once(OsString::from(&name)).chain(args.into_iter().skip(2));
            match parse(command, argv, &name, &all) {
                Ok(matches) => {
                    super::init_logging(quiet(&matches));
                    (engine.run)(verb, matches)
                }
                Err(code) => code,
            }
        }
        None => {
            let command = single_command(engines);
            let matches = match parse(command, args, A::NAME, &all) {
                Ok(matches) => matches,
                Err(code) => return code,
            };
            super::init_logging(quiet(&matches));
            match A::Single::from_arg_matches(&matches) {
                Ok(cli) => run_main(A::NAME, A::THREADS, A::single(cli)),
                Err(e) => usage_error(&e),
            }
        }
    }
}

/// [`main_with`] on the process's own command line.
pub fn main<A: App>(engines: &[Engine<A>]) -> ExitCode {
    main_with(engines, std::env::args_os().collect())
}

/// Whether `--quiet` was given.
fn quiet(matches: &ArgMatches) -> bool {
    matches
        .try_get_one::<bool>("quiet")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false)
}

/// Prints a clap error (help and version are not errors) and returns its
/// exit status.
fn usage_error(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// Parses `argv` with `command` (named `name`); a flag it does not take is
/// refused with a line naming the commands of `all` that take it.
fn parse(
    command: Command,
    argv: impl IntoIterator<Item = OsString>,
    name: &str,
    all: &[(String, Command)],
) -> Result<ArgMatches, ExitCode> {
    match command.try_get_matches_from(argv) {
        Ok(matches) => Ok(matches),
        Err(error) => {
            let code = usage_error(&error);
            if error.kind() == ErrorKind::UnknownArgument
                && let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg)
                && let Some(note) = belongs_to(arg, name, all)
            {
                eprintln!("{note}");
            }
            Err(code)
        }
    }
}

/// Where flag `arg` (`--smtp` or `--smtp=URL`) belongs, when `name` does
/// not take it: `--smtp is for \`mailer work\` and \`mailer\`, not \`mailer
/// enqueue\``.
pub fn belongs_to(arg: &str, name: &str, all: &[(String, Command)]) -> Option<String> {
    let long = arg.strip_prefix("--")?.split('=').next()?;
    let takers: Vec<String> = all
        .iter()
        .filter(|(other, command)| {
            other != name
                && command.get_arguments().any(|a| {
                    a.get_long() == Some(long)
                        || a.get_all_aliases().is_some_and(|al| al.contains(&long))
                })
        })
        .map(|(other, _)| format!("`{other}`"))
        .collect();
    if takers.is_empty() {
        return None;
    }
    Some(format!(
        "--{long} is for {}, not `{name}`",
        join_and(&takers)
    ))
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
