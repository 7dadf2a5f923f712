//! The C test programs `tests/c/*.c`, compiled against the generated header with the
//! `cc` crate's compiler detection, linked once with the static library and once
//! with the shared one, and run: each checks the C ABI against Linux's rules and
//! prints `ok`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../../build-support/artifacts.rs"]
mod artifacts;

/// The directory holding `libfdkit_c.a` and `libfdkit_c.so`, built now in this
/// test's profile (`build-support/artifacts.rs`: cargo builds no `staticlib` or
/// `cdylib` for a test).
fn library_dir() -> PathBuf {
    let files = artifacts::build_library("fdkit-c", "fdkit_c");
    for lib in ["libfdkit_c.a", "libfdkit_c.so"] {
        assert!(
            files
                .iter()
                .any(|f| f.file_name().is_some_and(|n| n == lib)),
            "cargo built no {lib}: {files:?}"
        );
    }
    files[0]
        .parent()
        .expect("cargo's artifacts are in a directory")
        .to_path_buf()
}

/// How the program is linked with fdkit-c.
#[derive(Clone, Copy, Debug)]
enum Link {
    Static,
    Shared,
}

fn compile_and_run(source: &Path, link: Link) {
    let out = PathBuf::from(env!("OUT_DIR"));
    let name = source.file_stem().unwrap().to_string_lossy().into_owned();
    let exe = out.join(format!("c-test-{name}-{link:?}"));
    let libs = library_dir();
    let compiler = cc::Build::new()
        .target(env!("FDKIT_C_TARGET"))
        .host(env!("FDKIT_C_HOST"))
        .opt_level(0)
        .debug(false)
        .cargo_metadata(false)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .std("c11")
        .try_get_compiler()
        .expect("a C compiler is found (cc crate)");
    let mut cmd = compiler.to_command();
    cmd.arg("-I")
        .arg(&out) // the header cbindgen generated for this build
        .arg(source)
        .arg("-o")
        .arg(&exe);
    match link {
        Link::Static => cmd
            .arg(libs.join("libfdkit_c.a"))
            .args(["-lpthread", "-ldl", "-lm"]),
        Link::Shared => cmd
            .arg(libs.join("libfdkit_c.so"))
            .arg(format!("-Wl,-rpath,{}", libs.display())),
    };
    let built = cmd.output().expect("the C compiler runs");
    assert!(
        built.status.success(),
        "compiling {} ({link:?}) failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    let run = Command::new(&exe)
        .output()
        .expect("the C test program runs");
    assert!(
        run.status.success(),
        "{} ({link:?}) failed ({}):\n{}",
        source.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "ok\n");
}

#[test]
#[cfg_attr(not(has_gcc), ignore = "needs gcc in PATH")]
fn c_programs_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/c exists")
        .map(|e| e.expect("tests/c is readable").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    assert!(
        !sources.is_empty(),
        "no C test program in {}",
        dir.display()
    );
    for source in &sources {
        compile_and_run(source, Link::Static);
        compile_and_run(source, Link::Shared);
    }
}
