//! The executor against `strace -f`: every example runs on the host under strace
//! (`fdkit run --host --strace LOG`); `fdkit check LOG` must find nothing that
//! differs (the helpers' own start-up and table probes included), and each result
//! the executor reported must be in the log, made by the right process, with the
//! same arguments and the same result.

use super::{examples, fdkit_at_root, host_required};
use serde::Deserialize;
use std::collections::HashMap;
use std::process::Command;

/// Whether `strace` is installed and may trace here (ptrace can be forbidden).
fn strace_works() -> Result<(), String> {
    match Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .output()
    {
        Err(e) => Err(format!("strace is not installed ({e})")),
        Ok(out) if !out.status.success() => Err(format!(
            "strace cannot trace here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => Ok(()),
    }
}

/// A `step` record of `fdkit run --json`.
#[derive(Debug, Deserialize)]
struct Step {
    line: u64,
    pid: u32,
    call: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct CheckSummary {
    calls: u64,
    agree: u64,
    differ: u64,
    errors: u64,
}

/// One call of the log: who made it, the call, the result (after ` = `).
struct Logged {
    pid: u32,
    call: String,
    result: String,
}

/// The log's calls, `<unfinished ...>`/`<... resumed>` halves joined.
fn logged(log: &str) -> Vec<Logged> {
    let mut pending: HashMap<u32, String> = HashMap::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_string());
            continue;
        }
        let full = match rest.strip_prefix("<... ") {
            Some(resumed) => {
                let tail = resumed.split_once("resumed>").map_or("", |(_, t)| t);
                format!("{}{tail}", pending.remove(&pid).unwrap_or_default())
            }
            None => rest.to_string(),
        };
        if let Some((call, result)) = full.rsplit_once(" = ") {
            out.push(Logged {
                pid,
                call: call.trim_end().to_string(),
                result: result.to_string(),
            });
        }
    }
    out
}

/// `text` with addresses (which differ from run to run) as `ADDR`, the scratch
/// directory standing for `/` removed, and the numbers `pids` maps replaced.
fn normal(text: &str, scratch: &str, pids: &HashMap<String, String>) -> String {
    let text = if scratch.is_empty() {
        text.to_string()
    } else {
        text.replace(scratch, "")
    };
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let t = std::mem::take(token);
        if t.starts_with("0x") && t.len() >= 8 {
            out.push_str("ADDR");
        } else {
            out.push_str(pids.get(&t).map_or(t.as_str(), String::as_str));
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// The scratch directory's path as the log shows it: the first path with a
/// component `fdkit-host-PID-N`.
fn scratch_root(log: &str) -> String {
    let mut from = 0;
    while let Some(found) = log[from..].find("/fdkit-host-") {
        let at = from + found;
        let name_end = log[at + 1..]
            .find(['/', '"'])
            .map_or(log.len(), |e| at + 1 + e);
        let name = &log[at + 1..name_end];
        let numbers = name["fdkit-host-".len()..].split('-');
        if numbers.clone().count() == 2
            && numbers
                .into_iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            let start = log[..at].rfind('"').map_or(at, |q| q + 1);
            return log[start..name_end].to_string();
        }
        from = at + 1;
    }
    String::new()
}

/// `call` up to its `n`-th argument (`name(a, b, ` for 2), commas inside
/// braces, brackets and strings not counting.
fn first_args(call: &str, n: usize) -> &str {
    let (mut depth, mut quoted, mut escaped, mut seen) = (0i32, false, false, 0);
    for (i, c) in call.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '{' | '[' | '(' if !quoted => depth += 1,
            '}' | ']' | ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 1 => {
                seen += 1;
                if seen == n {
                    return &call[..=i];
                }
            }
            _ => {}
        }
    }
    call
}

/// What of a call the log must show as the scenario wrote it: all of it, but
/// `prlimit64`'s old-limit argument (the executor always asks for it, to report
/// it).
fn compared_part(call: &str) -> &str {
    if call.starts_with("prlimit64(") {
        first_args(call, 3)
    } else {
        call
    }
}

/// The syscall the log shows for a scenario call: glibc's `fork` is `clone`.
fn logged_name(call: &str) -> &str {
    let name = call.split('(').next().unwrap_or_default();
    match name {
        "fork" | "vfork" => "clone",
        other => other,
    }
}

/// Checks each executor result against the log; the problems found.
fn cross_check(steps: &[Step], log: &str, first_pid: u32) -> Vec<String> {
    let calls = logged(log);
    let scratch = scratch_root(log);
    // The reaper is the first process; its first clone is the initial process.
    let reaper = calls.first().map(|c| c.pid).unwrap_or_default();
    let Some(p0) = calls
        .iter()
        .find(|c| c.pid == reaper && c.call.starts_with("clone("))
    else {
        return vec!["no clone of the initial process in the log".to_string()];
    };
    let mut real: HashMap<u32, u32> = HashMap::from([(first_pid, p0.result.parse().unwrap_or(0))]);
    let mut names: HashMap<String, String> = HashMap::new();
    names.insert(real[&first_pid].to_string(), first_pid.to_string());
    let mut cursor: HashMap<u32, usize> = HashMap::new();
    let mut problems = Vec::new();
    for step in steps {
        let Some(&pid) = real.get(&step.pid) else {
            problems.push(format!("line {}: no real pid for {}", step.line, step.pid));
            continue;
        };
        let result = step.text[step.text.find(&step.call).unwrap_or(0) + step.call.len()..]
            .trim_start()
            .trim_start_matches("= ")
            .to_string();
        let name = logged_name(&step.call);
        let whole = !matches!(name, "clone" | "execve");
        let want = normal(compared_part(&step.call), "", &HashMap::new());
        let from = cursor.get(&pid).copied().unwrap_or(0);
        let found = calls.iter().enumerate().skip(from).find(|(_, c)| {
            c.pid == pid
                && logged_name(&c.call) == name
                && (!whole || normal(compared_part(&c.call), &scratch, &names) == want)
                && (name == "clone"
                    || normal(&c.result, "", &names) == normal(&result, "", &HashMap::new()))
        });
        let Some((at, c)) = found else {
            problems.push(format!(
                "line {}: no `{pid} {}... = {result}` in the log after line {from}",
                step.line, step.call
            ));
            continue;
        };
        cursor.insert(pid, at + 1);
        if name == "clone" {
            let child: u32 = c.result.parse().unwrap_or(0);
            let named: u32 = result.parse().unwrap_or(0);
            real.insert(named, child);
            names.insert(child.to_string(), named.to_string());
        }
    }
    problems
}

#[test]
#[cfg_attr(
    not(all(has_host_executor, has_strace)),
    ignore = "needs the host executor (Linux with /dev/ptmx) and a working strace in PATH"
)]
fn host_runs_replay_clean_and_strace_saw_every_result() {
    host_required!();
    if let Err(why) = strace_works() {
        panic!("{why} (CI=true requires it; elsewhere this test is ignored without it)");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for name in examples() {
        let log = dir.path().join(format!("{}.log", name.replace('/', "_")));
        let log_arg = log.to_str().unwrap();
        let r = fdkit_at_root(&["run", "--host", "--json", "--strace", log_arg, &name]);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{name}: {}", r.stdout);
        let steps: Vec<Step> = r
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .filter(|r: &serde_json::Value| r["type"] == "step")
            .map(|r| serde_json::from_value(r["data"].clone()).expect("a step record"))
            .collect();
        let text = std::fs::read_to_string(&log).expect("strace wrote the log");

        let check = fdkit_at_root(&["check", "--json", log_arg]);
        let summary: CheckSummary = check
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .find(|r: &serde_json::Value| r["type"] == "summary")
            .map(|r| serde_json::from_value(r["data"].clone()).expect("a summary record"))
            .unwrap_or_else(|| panic!("{name}: no summary from fdkit check:\n{}", check.stdout));
        assert_eq!(
            (check.code, summary.differ, summary.errors),
            (0, 0, 0),
            "{name}: fdkit check {log_arg}:\n{}{}",
            fdkit_at_root(&["check", log_arg]).stdout,
            check.stderr
        );
        assert!(
            summary.agree > 0 && summary.calls > steps.len() as u64,
            "{name}: {summary:?}"
        );

        let first_pid = steps.first().map_or(100, |s| s.pid);
        let problems = cross_check(&steps, &text, first_pid);
        assert!(
            problems.is_empty(),
            "{name}:\n{}\nlog:\n{text}",
            problems.join("\n")
        );
    }
}
