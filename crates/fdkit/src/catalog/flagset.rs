//! Flag and command names as strace prints them, each spelled once, grouped by the
//! flag word they belong to (`open` flags, `AT_*` flags, `CLONE_*`, `fcntl` commands…).
