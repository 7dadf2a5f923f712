//! The seed program: open a file (3), dup it (4), dup2 and dup3 with close-on-exec, a
//! bad dup (EBADF), fork and exec, and the `/proc/PID/fd` listing at each step.
//!
//! Run: `cargo run --example seed`

use fdkit::{DupFlags, Errno, OFlags, System};

fn main() -> Result<(), Errno> {
    let sys = System::new();
    let pid = sys.spawn()?;
    let t = sys.task(pid)?;

    let a = t.open("/tmp/a", OFlags::RDWR | OFlags::CREAT, 0o644)?;
    println!("open(\"/tmp/a\", O_RDWR|O_CREAT, 0644) = {a}");
    let b = t.dup(a)?;
    println!("dup({a}) = {b}");
    let c = t.dup2(a, 10)?;
    println!("dup2({a}, 10) = {c}");
    let d = t.dup3(a, 11, DupFlags::CLOEXEC)?;
    println!("dup3({a}, 11, O_CLOEXEC) = {d}");
    match t.dup(42) {
        Ok(fd) => println!("dup(42) = {fd}"),
        Err(e) => println!("dup(42) = -1 {e}"),
    }

    println!("\n$ ls -l /proc/{pid}/fd");
    print!("{}", t.fd_listing()?);

    let child = t.fork()?;
    println!("\nfork() = {child}");
    let c = sys.task(child)?.execve()?;
    println!("[pid {child}] execve(\"/bin/true\", [\"true\"], []) = 0");
    println!("\n$ ls -l /proc/{child}/fd    # 11 had close-on-exec");
    print!("{}", c.fd_listing()?);
    Ok(())
}
