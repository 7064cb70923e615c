//! A flag either does what it says in a command or is refused there: for
//! each tool, every long flag any of its commands takes (the single-machine
//! command and every verb, read from their `--help`) is given to every
//! command that does not take it, which must exit 2, touch nothing, and
//! name the commands that do take it.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use workpool_tests::{command, temp_dir};

const TOOLS: [&str; 3] = ["mailer", "resizer", "reporter"];
const VERBS: [&str; 9] = [
    "enqueue", "work", "status", "retry", "pause", "resume", "cancel", "publish", "consume",
];

/// The long flags in a command's `--help`.
fn flags(tool: &str, verb: Option<&str>) -> BTreeSet<String> {
    let mut cmd = command(tool);
    cmd.args(verb).arg("--help");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{tool} {verb:?} --help");
    let help = String::from_utf8(out.stdout).unwrap();
    help.lines()
        .filter_map(|line| {
            // "  -q, --quiet ..." or "      --db <URL> ...": a flag's own
            // line; descriptions are indented further.
            let flag = match line.strip_prefix("      --") {
                Some(flag) => flag,
                None if line.starts_with("  -") && line.get(4..8) == Some(", --") => &line[8..],
                None => return None,
            };
            let end = flag
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(flag.len());
            Some(flag[..end].to_owned())
        })
        .filter(|f| f != "help" && f != "version")
        .collect()
}

fn name(tool: &str, verb: Option<&str>) -> String {
    match verb {
        Some(verb) => format!("{tool} {verb}"),
        None => tool.to_owned(),
    }
}

#[test]
fn every_command_refuses_the_flags_of_the_others_and_says_where_they_belong() {
    let dir = temp_dir();
    for tool in TOOLS {
        let commands: Vec<Option<&str>> = std::iter::once(None)
            .chain(VERBS.iter().map(|v| Some(*v)))
            .collect();
        let taken: BTreeMap<String, BTreeSet<String>> = commands
            .iter()
            .map(|&verb| (name(tool, verb), flags(tool, verb)))
            .collect();
        assert!(taken[tool].contains("journal"), "{taken:?}");
        let every: BTreeSet<&String> = taken.values().flatten().collect();
        let mut refused = 0;
        for &verb in &commands {
            let here = name(tool, verb);
            for flag in every.iter().filter(|f| !taken[&here].contains(**f)) {
                let out = command(tool)
                    .current_dir(dir.path())
                    .args(verb)
                    .arg(format!("--{flag}"))
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{here} --{flag}: {stderr}");
                let takers: Vec<String> = taken
                    .iter()
                    .filter(|(_, f)| f.contains(*flag))
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                assert!(
                    stderr.contains(&format!("--{flag} is for "))
                        && takers.iter().all(|t| stderr.contains(t))
                        && stderr.contains(&format!("not `{here}`")),
                    "{here} --{flag} should name {takers:?}: {stderr}"
                );
                refused += 1;
            }
        }
        assert!(refused > 40, "{tool}: only {refused} refusals checked");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "a refused command wrote something"
        );
    }
}

/// The flags the verbs refused before they were split from the rest:
/// `enqueue` takes the run's settings, not a worker's or the single
/// machine's.
#[test]
fn enqueue_takes_the_runs_settings_and_nothing_of_a_workers() {
    for tool in TOOLS {
        let enqueue = flags(tool, Some("enqueue"));
        for flag in ["retries", "timeout", "rate", "json", "quiet", "db", "run"] {
            assert!(enqueue.contains(flag), "{tool} enqueue --{flag}");
        }
        for flag in [
            "workers",
            "queue",
            "journal",
            "max-failures",
            "smtp",
            "send",
            "connections",
            "insecure",
            "ca-file",
        ] {
            assert!(!enqueue.contains(flag), "{tool} enqueue takes --{flag}");
        }
        let work = flags(tool, Some("work"));
        for flag in [
            "workers",
            "max-failures",
            "batch",
            "lease",
            "follow",
            "poll",
        ] {
            assert!(work.contains(flag), "{tool} work --{flag}");
        }
    }
}

/// `pause`, `resume` and `cancel` take a run and a database, and nothing
/// else: what they do is the same whatever the tool.
#[test]
fn the_control_verbs_take_a_run_and_a_database_only() {
    for tool in TOOLS {
        for verb in ["pause", "resume", "cancel"] {
            let taken = flags(tool, Some(verb));
            let want: BTreeSet<String> = ["db", "run"].iter().map(|f| f.to_string()).collect();
            assert_eq!(taken, want, "{tool} {verb}");
        }
    }
}
