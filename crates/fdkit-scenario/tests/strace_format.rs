//! The printer against real strace: every complete call line of a modelled
//! system call in the recorded logs (`tests/fixtures/*.strace`, strace 6.1), parsed
//! as a scenario line and printed back, gives the line strace wrote, up to what the
//! model cannot know (addresses, the environment, glibc's `child_tidptr`).

use fdkit_scenario::{Scenario, CALLS};

/// Replaces user-space addresses (`0x7ffd...`, and the printer's stand-in) with `ADDR`.
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        let hex = rest[i + 2..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        let token = &rest[i..i + 2 + hex];
        if hex >= 8 {
            out.push_str("ADDR");
        } else {
            out.push_str(token);
        }
        rest = &rest[i + 2 + hex..];
    }
    out.push_str(rest);
    // glibc's fork passes a tid pointer, and threads a stack; a failed execve's
    // environment may be NULL: the model knows none of these.
    let out = out
        .replace(", child_tidptr=ADDR", "")
        .replace("child_stack=ADDR", "child_stack=NULL")
        .replace("], NULL)", "], [])");
    // `execve(..., envp)`: strace shows where the environment is and its size.
    match out.find("], ADDR /* ") {
        Some(i) => {
            let end = out[i..].find("*/").map_or(out.len(), |k| i + k + 2);
            format!("{}], []{}", &out[..i], &out[end..])
        }
        None => out,
    }
}

/// The body of a `-o` style line: without the pid column and the padding.
fn body(line: &str) -> Option<(&str, &str)> {
    let rest = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    let rest = rest
        .strip_prefix("[pid")
        .map_or(rest, |r| r.split_once("] ").map_or(r, |(_, b)| b));
    let (call, result) = rest.rsplit_once(" = ")?;
    Some((call.trim_end(), result))
}

#[test]
fn modelled_calls_print_as_strace_printed_them() {
    let mut dirs = vec![concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures").to_string()];
    // More logs to compare with, e.g. fresh `strace -f -o` output.
    dirs.extend(std::env::var("FDKIT_STRACE_DIR"));
    let mut checked = 0;
    let mut differ = Vec::new();
    let paths = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path());
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // -yy decorates descriptors; -T/-t add columns the printer does not write.
        if !name.ends_with(".strace")
            || name.contains("yy")
            || name.contains(".r.")
            || name.contains("ttt")
            // `strace -s 0` elides the arrays the printer writes in full.
            || name.contains(".s0.")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let Some((call, _)) = body(line) else {
                continue;
            };
            let fname = call.split('(').next().unwrap_or("");
            // Skip forms the printer does not claim: cut strings, clone3, wait4's
            // __WALL, devices' st_rdev.
            if !CALLS.contains(&fname)
                || fname == "clone3"
                || line.contains("\"...")
                || line.contains("__WALL")
                || line.contains("st_rdev")
                || line.contains("<unfinished")
                || line.contains("resumed>")
                // Terminal ioctls the scenario symbols do not name
                // (c-ioctl-ptpeer: `TIOCSPTLCK`, `TIOCGPTPEER`).
                || line.contains("TIOCSPTLCK")
                || line.contains("TIOCGPTPEER")
            {
                continue;
            }
            let Ok(s) = Scenario::parse(line) else {
                differ.push(format!("unparsed: {line}"));
                continue;
            };
            let step = s.steps().next().unwrap();
            let printed = step.to_string();
            let (want_call, want_ret) = body(line).unwrap();
            let (got_call, got_ret) = body(&printed).unwrap();
            let (want, got) = (
                normalize(&format!("{want_call} = {want_ret}")),
                normalize(&format!("{got_call} = {got_ret}")),
            );
            if want != got {
                differ.push(format!("{name}:\n  strace: {want}\n  fdkit:  {got}"));
            }
            checked += 1;
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {checked} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(checked > 500, "only {checked} lines checked");
}
