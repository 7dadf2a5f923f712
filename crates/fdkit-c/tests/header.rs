//! The committed header `include/fdkit.h` is the one cbindgen generates from
//! `src/lib.rs` in this build (`build.rs`): it can never drift. After changing the
//! C ABI, refresh it with `FDKIT_BLESS=1 cargo test -p fdkit-c --test header`.

use std::path::Path;

#[test]
fn committed_header_is_generated() {
    let generated = std::fs::read_to_string(Path::new(env!("OUT_DIR")).join("fdkit.h"))
        .expect("build.rs generated fdkit.h");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/fdkit.h");
    if std::env::var_os("FDKIT_BLESS").is_some() {
        std::fs::write(&committed, &generated).expect("include/fdkit.h is writable");
    }
    let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        on_disk == generated,
        "crates/fdkit-c/include/fdkit.h differs from the header cbindgen generates; \
         run `FDKIT_BLESS=1 cargo test -p fdkit-c --test header` and commit it"
    );
}
