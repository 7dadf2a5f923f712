//! `fdkit-host-helper`: the process fdkit-host runs scripts in. Not for direct use.
//!
//! `#![no_main]` on purpose: Rust's usual start-up (`lang_start`) reopens standard
//! descriptors 0-2 on `/dev/null` when they are closed, which would change the table
//! a helper inherits across `execve`. With a C `main` nothing runs before the
//! helper's own code.

#![no_main]

#[no_mangle]
extern "C" fn main(
    _argc: std::os::raw::c_int,
    _argv: *const *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    std::panic::catch_unwind(fdkit_host::helper::main).unwrap_or(101)
}
