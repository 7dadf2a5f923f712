//! Scenario steps on an [`fdkit_host::Backend`]: the real kernel ([`Host`]) for
//! `fdkit run --host`, and both the kernel and the model for `fdkit diff`.
//!
//! Read this first. A scenario names processes by *scenario pid* (100 is the first
//! process; `fork() = 101` names the child 101, a `fork()` without a result takes
//! the next free pid); a backend names them by its own pid (the kernel's real pids,
//! the model's); `fdkit-host` names them by creation order ([`ProcessRef`]). The
//! [`Driver`] keeps the three apart:
//!
//! ```text
//! scenario pid ──▶ ProcessRef ──▶ backend pid      [pid 101] ..., wait4(101, ...), prlimit64(101, ...), F_SETOWN
//! scenario pid ◀── ProcessRef ◀── backend pid      fork() = 101, wait4(...) = 101, F_GETOWN
//! ```
//!
//! and it names new processes exactly as `fdkit run`'s model does
//! ([`fdkit_scenario::Model`]: a written pid, else the next free one counting from
//! 100), tracking which pids are in use (live, or exited and not yet waited for),
//! so that both outputs name every process alike.
//!
//! A call that would block is interrupted on either backend after the block
//! timeout; the driver reports it as the model's [`StepError::WouldBlock`], as
//! `fdkit run` does, rather than as `EINTR`.

pub mod tables;

use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, Pid};
use fdkit_host::{Backend, ErrorKind, Outcome, ProcessRef};
use fdkit_scenario::{Ret, Step, StepError};
use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

pub use fdkit_host::Host;

/// A pid no process has: Linux's `pid_max` is at most 2²², the model's pids are
/// small. A scenario pid the driver does not know becomes this, so a `prlimit64`
/// of an unknown pid can never reach an unrelated process of the machine.
const NO_SUCH_PID: u32 = i32::MAX as u32;

/// `F_SETOWN`, `F_GETOWN`.
const F_SETOWN: i32 = 8;
const F_GETOWN: i32 = 9;

/// Most processes a scenario may create on the host, the first included.
const MAX_PROCESSES: u32 = 32;

/// The host executor's settings for the command line: the helper is this very
/// binary ([`fdkit_host::Config::embedded`]; see `main.rs`), or the
/// `fdkit-host-helper` at `$FDKIT_HOST_HELPER`; with `strace` set, the helpers run
/// under `strace -f -o FILE`.
///
/// # Errors
/// This binary's path is not known, or `strace` is wanted but does not run.
pub fn config(strace: Option<&Path>) -> anyhow::Result<fdkit_host::Config> {
    let mut config = match std::env::var_os("FDKIT_HOST_HELPER") {
        Some(helper) => fdkit_host::Config::new(helper),
        None => {
            let exe = std::env::current_exe().map_err(|e| {
                anyhow::anyhow!("cannot start the host executor: fdkit's own path: {e}")
            })?;
            fdkit_host::Config::embedded(exe)
        }
    };
    config.max_processes = MAX_PROCESSES;
    if let Some(log) = strace {
        let works = Command::new("strace")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !works {
            anyhow::bail!("--strace: cannot run `strace` (is it installed?)");
        }
        config.launcher = vec!["strace".into(), "-f".into(), "-o".into(), log.into()];
    }
    Ok(config)
}

/// An error starting the host executor, as one line that says what to do.
pub fn start_error(e: fdkit_host::Error) -> anyhow::Error {
    match e.kind() {
        ErrorKind::HelperNotFound => anyhow::anyhow!(
            "cannot start the host executor: {} (FDKIT_HOST_HELPER, when set, must name \
             a `fdkit-host-helper` binary; unset, fdkit runs itself as the helper)",
            e.message()
        ),
        _ => anyhow::anyhow!("cannot start the host executor: {e}"),
    }
}

/// Why a step did not run.
#[derive(Debug)]
pub enum Refusal {
    /// As the model refuses it (no such process, a pid in use, a call that would
    /// block).
    Step(StepError),
    /// The host executor could not run it.
    Host(fdkit_host::Error),
}

impl Refusal {
    /// Whether later steps can still run: everything but a host executor that
    /// stopped answering (a timeout, a dead helper, a protocol error).
    pub fn recoverable(&self) -> bool {
        match self {
            Refusal::Step(_) => true,
            Refusal::Host(e) => matches!(e.kind(), ErrorKind::Unsupported | ErrorKind::Capacity),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Step(e) => write!(f, "{e}"),
            Refusal::Host(e) if e.kind() == ErrorKind::Unsupported => {
                write!(f, "the host executor cannot run this call: {}", e.message())
            }
            Refusal::Host(e) => write!(f, "host executor: {e}"),
        }
    }
}

/// What a step gave.
#[derive(Clone, Debug)]
pub struct Ran {
    /// The result with pids as the scenario names them.
    pub result: Result<Value, Errno>,
    /// What the backend returned (its own pids), with the table after `execve`.
    pub outcome: Outcome,
    /// The process that made the call.
    pub process: ProcessRef,
}

/// Where a scenario process is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    /// Running.
    Alive,
    /// Exited, not yet waited for: its pid stays in use.
    Zombie(ExitStatus),
    /// Reaped (or discarded at exit, with no live parent): its pid is free.
    Gone,
}

/// One scenario process; its index in [`Driver::processes`] is its [`ProcessRef`].
#[derive(Clone, Debug)]
pub struct Proc {
    /// Its scenario pid.
    pub pid: u32,
    /// The process that created it.
    pub parent: Option<usize>,
    /// Where it is.
    pub state: State,
}

/// Runs scenario steps on a backend, translating pids both ways.
#[derive(Debug)]
pub struct Driver<B> {
    backend: B,
    procs: Vec<Proc>,
    /// The model's pid counter (`fdkit::System`'s `next_pid`): the first pid a
    /// `fork()` without a written result may take.
    next_pid: u32,
}

impl<B: Backend> Driver<B> {
    /// A driver over `backend`, whose initial process is scenario pid `first_pid`.
    ///
    /// # Errors
    /// [`StepError::BadPid`] for 0 or a pid above 2³¹ − 1, as the model refuses it.
    pub fn new(backend: B, first_pid: u32) -> Result<Driver<B>, StepError> {
        if first_pid == 0 || first_pid > i32::MAX as u32 {
            return Err(StepError::BadPid(first_pid));
        }
        Ok(Driver {
            backend,
            procs: vec![Proc {
                pid: first_pid,
                parent: None,
                state: State::Alive,
            }],
            next_pid: fdkit::Config::default().first_pid,
        })
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The backend, to ask for tables.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Every process the scenario created, in creation order.
    pub fn processes(&self) -> &[Proc] {
        &self.procs
    }

    /// The process scenario pid `pid` names now: the live or exited one of that
    /// pid (a reaped process's pid may be taken again).
    pub fn process(&self, pid: u32) -> Option<ProcessRef> {
        self.procs
            .iter()
            .rposition(|p| p.pid == pid && p.state != State::Gone)
            .map(|i| ProcessRef(i as u32))
    }

    /// The process that runs a step of scenario pid `pid`.
    pub fn caller(&self, pid: u32) -> Result<ProcessRef, StepError> {
        self.process(pid)
            .filter(|p| self.procs[p.index()].state == State::Alive)
            .ok_or(StepError::NoProcess(pid))
    }

    /// Runs `step`.
    ///
    /// # Errors
    /// A [`Refusal`]: the step could not run (then nothing changed, but that a
    /// host call interrupted as blocking may have done part of its work).
    pub fn run(&mut self, step: &Step) -> Result<Ran, Refusal> {
        let process = self.caller(step.pid).map_err(Refusal::Step)?;
        let wanted = match step.call {
            Call::Fork | Call::Vfork | Call::Clone { .. } => self.wanted_pid(step)?,
            _ => None,
        };
        let call = self.to_backend(&step.call);
        let outcome = self
            .backend
            .execute(process, &call)
            .map_err(Refusal::Host)?;
        if let Some(mut why) = would_block(&call, &outcome.result) {
            if let Call::Read { fd, .. } | Call::Pread { fd, .. } = call {
                let link = self.backend.link(process, fd).unwrap_or_default();
                if link.starts_with("/dev/pts/") {
                    why = "the terminal has no input";
                }
            }
            return Err(Refusal::Step(StepError::WouldBlock(why)));
        }
        self.update(process, &call, &outcome.result, wanted)?;
        let result = self.to_scenario(&call, &outcome.result);
        Ok(Ran {
            result,
            outcome,
            process,
        })
    }

    /// The pid a `fork()`/`clone()` step writes for its child, checked as the
    /// model checks it.
    fn wanted_pid(&self, step: &Step) -> Result<Option<u32>, Refusal> {
        let Some(Ret::Value(n)) = step.expected.as_ref().and_then(|e| e.ret) else {
            return Ok(None);
        };
        if n <= 0 {
            return Ok(None);
        }
        let pid = u32::try_from(n)
            .ok()
            .filter(|n| *n <= i32::MAX as u32)
            .ok_or(Refusal::Step(StepError::BadPid(n as u32)))?;
        if self.in_use(pid) {
            return Err(Refusal::Step(StepError::PidInUse(pid)));
        }
        Ok(Some(pid))
    }

    fn in_use(&self, pid: u32) -> bool {
        self.process(pid).is_some()
    }

    /// The next free pid, as `fdkit::System` allocates one.
    fn allocate(&mut self) -> u32 {
        for _ in 0..=self.procs.len() {
            let pid = self.next_pid;
            self.next_pid = if pid >= i32::MAX as u32 { 1 } else { pid + 1 };
            if !self.in_use(pid) {
                return pid;
            }
        }
        self.next_pid
    }

    /// The backend's pid for scenario pid `pid` (a positive number), or a pid no
    /// process has.
    fn backend_pid(&self, pid: u32) -> u32 {
        self.process(pid)
            .and_then(|p| self.backend.pid_of(p))
            .unwrap_or(NO_SUCH_PID)
    }

    /// The scenario pid for the backend's `pid`, if it is a process of the run.
    fn scenario_pid(&self, pid: u32) -> Option<u32> {
        let p = self.backend.process_of(pid)?;
        self.procs.get(p.index()).map(|p| p.pid)
    }

    /// `call` with the scenario pids in its arguments replaced by the backend's:
    /// `wait4`'s and `prlimit64`'s pid, `F_SETOWN`'s owner; a negative number
    /// (a process group) names the group of that pid.
    fn to_backend(&self, call: &Call) -> Call {
        match *call {
            // -1: any child; 0: the caller's group; INT_MIN: ESRCH.
            Call::Wait4 { pid, nohang } if pid != -1 => Call::Wait4 {
                pid: self.backend_id(pid),
                nohang,
            },
            // Above INT_MAX: a negative pid_t, which no process has.
            Call::Prlimit { pid, resource, new } if pid <= i32::MAX as u32 => Call::Prlimit {
                pid: self.backend_id(pid as i32) as u32,
                resource,
                new,
            },
            // The owner is an int: the upper half of the argument is ignored.
            Call::Fcntl {
                fd,
                cmd: F_SETOWN,
                arg,
            } => Call::Fcntl {
                fd,
                cmd: F_SETOWN,
                arg: u64::from(self.backend_id(arg as i32) as u32),
            },
            _ => call.clone(),
        }
    }

    /// A pid argument for the backend: a positive one mapped, a negative one (a
    /// process group) mapped by its magnitude; 0 (the caller, or its group) and
    /// `INT_MIN` (invalid) mean the same everywhere.
    fn backend_id(&self, id: i32) -> i32 {
        match id {
            i32::MIN | 0 => id,
            1.. => self.backend_pid(id as u32) as i32,
            _ => -(self.backend_pid(id.unsigned_abs()) as i32),
        }
    }

    /// `result` with the backend's pids replaced by the scenario's.
    fn to_scenario(&self, call: &Call, result: &Result<Value, Errno>) -> Result<Value, Errno> {
        let named = |pid: i64| {
            let id = u32::try_from(pid.unsigned_abs())
                .ok()
                .and_then(|p| self.scenario_pid(p));
            id.map_or(pid, |id| i64::from(id) * pid.signum())
        };
        match (call, result) {
            (Call::Fork | Call::Vfork | Call::Clone { .. }, Ok(Value::Int(pid))) if *pid > 0 => {
                Ok(Value::Int(named(*pid)))
            }
            (Call::Fcntl { cmd: F_GETOWN, .. }, Ok(Value::Int(pid))) => Ok(Value::Int(named(*pid))),
            (_, Ok(Value::Child(Some((pid, status))))) => {
                let pid = self.scenario_pid(pid.get()).unwrap_or(pid.get());
                Ok(Value::Child(Some((Pid::new(pid), *status))))
            }
            _ => result.clone(),
        }
    }

    /// Follows what `call` did to the processes.
    fn update(
        &mut self,
        caller: ProcessRef,
        call: &Call,
        result: &Result<Value, Errno>,
        wanted: Option<u32>,
    ) -> Result<(), Refusal> {
        match (call, result) {
            (Call::Fork | Call::Vfork | Call::Clone { .. }, Ok(Value::Int(_))) => {
                if self.backend.created() as usize != self.procs.len() + 1 {
                    return Err(Refusal::Host(fdkit_host::Error::new(
                        ErrorKind::Protocol,
                        "a fork created no process, or more than one",
                    )));
                }
                let pid = match wanted {
                    Some(pid) => pid,
                    None => self.allocate(),
                };
                self.procs.push(Proc {
                    pid,
                    parent: Some(caller.index()),
                    state: State::Alive,
                });
            }
            (Call::Exit { status } | Call::ExitGroup { status }, Ok(Value::NoReturn)) => {
                self.end(caller.index(), ExitStatus::Exited(status & 0xff));
            }
            (Call::Wait4 { .. }, Ok(Value::Child(Some((pid, _))))) => {
                if let Some(p) = self.backend.process_of(pid.get()) {
                    if let Some(proc) = self.procs.get_mut(p.index()) {
                        proc.state = State::Gone;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Process `index` exits with `status`: it stays a zombie while its parent
    /// lives; its exited children, whom nobody can wait for now, are discarded
    /// (`fdkit::Task::exit`).
    fn end(&mut self, index: usize, status: ExitStatus) {
        for child in self.procs.iter_mut() {
            if child.parent == Some(index) && matches!(child.state, State::Zombie(_)) {
                child.state = State::Gone;
            }
        }
        let parent_alive = self.procs[index]
            .parent
            .is_some_and(|p| self.procs[p].state == State::Alive);
        self.procs[index].state = if parent_alive {
            State::Zombie(status)
        } else {
            State::Gone
        };
    }
}

/// Why `call` counts as blocking: the backend interrupted it (`EINTR`) after the
/// block timeout. The words are the model's ([`fdkit_scenario::Model`]).
fn would_block(call: &Call, result: &Result<Value, Errno>) -> Option<&'static str> {
    if *result != Err(Errno::INTR) {
        return None;
    }
    match call {
        Call::Read { .. } | Call::Pread { .. } => {
            Some("nothing to read, and a writer could still write")
        }
        Call::Write { .. } | Call::Pwrite { .. } => {
            Some("no room to write, and a reader could still read")
        }
        Call::Wait4 { nohang: false, .. } => Some("no child has exited yet"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fdkit_scenario::{Model as ScenarioModel, Scenario};

    /// Runs `text` through `fdkit run`'s model and through a [`Driver`] over
    /// `fdkit-host`'s model, and checks that every step gives the same, pids
    /// included.
    #[track_caller]
    fn same_as_the_model(text: &str) -> Driver<fdkit_host::Model> {
        let scenario = Scenario::parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        let reference = ScenarioModel::new(scenario.first_pid).unwrap();
        let backend = fdkit_host::Model::new(fdkit::Config::default()).unwrap();
        let mut driver = Driver::new(backend, scenario.first_pid).unwrap();
        for step in scenario.steps() {
            let want = reference.run(step);
            let got = driver.run(step);
            match (&want, &got) {
                (Ok(a), Ok(b)) => assert_eq!(a, &b.result, "line {}: {step}", step.line),
                (Err(a), Err(Refusal::Step(b))) => assert_eq!(a, b, "line {}: {step}", step.line),
                _ => panic!("line {}: {step}: model {want:?}, driver {got:?}", step.line),
            }
        }
        driver
    }

    #[test]
    fn children_are_named_as_the_model_names_them() {
        let driver = same_as_the_model(
            "fork() = 101\n\
             [pid 101] exit_group(0)\n\
             wait4(101, NULL, 0, NULL)\n\
             fork()\n\
             fork()\n\
             [pid 102] exit_group(1)\n\
             fork()\n\
             fork() = 102\n\
             [pid 102] dup(0)\n\
             [pid 101] fork()\n\
             [pid 101] exit_group(0)\n\
             [pid 104] fork()\n\
             wait4(-1, NULL, WNOHANG, NULL)\n\
             wait4(-1, NULL, WNOHANG, NULL)\n\
             fork()\n\
             fork()\n",
        );
        // 101 again once reaped; `fork() = 102` refused while 102 is a zombie (and
        // a call of 102 then has no process); the counter never goes back.
        let pids: Vec<u32> = driver.processes().iter().map(|p| p.pid).collect();
        assert_eq!(pids, [100, 101, 101, 102, 103, 104, 105, 106, 107]);
        let states: Vec<State> = driver.processes().iter().map(|p| p.state).collect();
        use State::*;
        assert_eq!(
            states,
            [Alive, Gone, Gone, Gone, Alive, Alive, Alive, Alive, Alive]
        );
    }

    #[test]
    fn pid_arguments_reach_the_process_the_scenario_names() {
        same_as_the_model(
            "fork() = 4242\n\
             prlimit64(4242, RLIMIT_NOFILE, {rlim_cur=64, rlim_max=4096}, NULL) = 0\n\
             [pid 4242] getrlimit(RLIMIT_NOFILE, {rlim_cur=64, rlim_max=4*1024}) = 0\n\
             prlimit64(999, RLIMIT_NOFILE, NULL, NULL) = -1 ESRCH (No such process)\n\
             fcntl(0, F_SETOWN, 4242) = 0\n\
             fcntl(0, F_GETOWN) = 4242\n\
             fcntl(0, F_SETOWN, -4242) = 0\n\
             fcntl(0, F_GETOWN) = 0\n\
             fcntl(0, F_SETOWN, -1) = -1 ESRCH (No such process)\n\
             fcntl(0, F_SETOWN, 0x100001092) = 0\n\
             fcntl(0, F_GETOWN) = 4242\n\
             wait4(0, NULL, WNOHANG, NULL) = 0\n\
             wait4(-4242, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)\n\
             wait4(-2147483648, NULL, WNOHANG, NULL) = -1 ESRCH (No such process)\n\
             [pid 4242] exit_group(5)\n\
             wait4(999, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)\n\
             wait4(4242, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], WNOHANG, NULL) = 4242\n\
             prlimit64(4242, RLIMIT_NOFILE, NULL, NULL) = -1 ESRCH (No such process)\n",
        );
    }

    #[test]
    fn refusals_are_the_models() {
        same_as_the_model(
            "[pid 7] dup(0)\n\
             fork() = 101\n\
             fork() = 101\n\
             fork() = 4294967295\n\
             [pid 101] exit_group(0)\n\
             [pid 101] dup(0)\n",
        );
        let backend = fdkit_host::Model::new(fdkit::Config::default()).unwrap();
        assert!(matches!(Driver::new(backend, 0), Err(StepError::BadPid(0))));
    }

    #[test]
    fn a_call_interrupted_as_blocking_is_refused_as_blocking() {
        let scenario = Scenario::parse(
            "pipe2([3, 4], 0) = 0\nread(3, 10)\nfork() = 101\nwait4(101, NULL, 0, NULL)\n",
        )
        .unwrap();
        let backend = fdkit_host::Model::new(fdkit::Config::default())
            .unwrap()
            .with_timeouts(
                std::time::Duration::from_millis(5),
                std::time::Duration::from_secs(5),
            );
        let mut driver = Driver::new(backend, scenario.first_pid).unwrap();
        let results: Vec<String> = scenario
            .steps()
            .map(|s| match driver.run(s) {
                Ok(r) => format!("{:?}", r.result),
                Err(e) => e.to_string(),
            })
            .collect();
        assert!(
            results[1].contains("would block forever (nothing to read"),
            "{results:?}"
        );
        assert!(
            results[3].contains("would block forever (no child has exited yet)"),
            "{results:?}"
        );
    }
}
