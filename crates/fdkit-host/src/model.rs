//! [`Model`]: the same [`Backend`] over fdkit's model ([`fdkit::System`]).

use crate::backend::{Backend, Outcome};
use crate::error::{Error, ErrorKind};
use crate::script::{may_block, ProcessRef};
use crate::table::{self, Table};
use fdkit::syscall::{Call, Value};
use fdkit::Whence;
use fdkit::{Errno, Pid, System, Task};
use std::sync::mpsc;
use std::time::Duration;

/// The model as a [`Backend`]: a [`System`] with one spawned process, `p0`.
///
/// Calls that could block run on a worker thread; one still running after the block
/// timeout is interrupted ([`System::interrupt`]) and fails with `EINTR`, as the
/// [`Host`](crate::Host) makes the kernel's do.
#[derive(Debug)]
pub struct Model {
    sys: System,
    pids: Vec<Pid>,
    block_timeout: Duration,
    call_timeout: Duration,
}

impl Model {
    /// A model with `config`, its initial process spawned (0, 1, 2 on the terminal).
    ///
    /// # Errors
    /// `Setup` if the process cannot be spawned.
    pub fn new(config: fdkit::Config) -> Result<Model, Error> {
        let sys = System::with_config(config);
        let p0 = sys
            .spawn()
            .map_err(|e| Error::setup("spawning the model's p0", e))?;
        Ok(Model {
            sys,
            pids: vec![p0],
            block_timeout: Duration::from_millis(50),
            call_timeout: Duration::from_secs(10),
        })
    }

    /// Sets how long a call that could block runs before it is interrupted, and how
    /// long it may take after that.
    pub fn with_timeouts(mut self, block: Duration, call: Duration) -> Model {
        self.block_timeout = block;
        self.call_timeout = call;
        self
    }

    /// The modelled system.
    pub fn system(&self) -> &System {
        &self.sys
    }

    /// The model's pid of `process`, if it was created.
    pub fn pid(&self, process: ProcessRef) -> Option<Pid> {
        self.pids.get(process.index()).copied()
    }

    fn task(&self, process: ProcessRef) -> Result<Task, Errno> {
        let pid = self.pid(process).ok_or(Errno::SRCH)?;
        self.sys.task(pid)
    }

    /// Runs `call`, interrupting it if it blocks.
    fn run(&self, task: &Task, call: &Call) -> Result<Result<Value, Errno>, Error> {
        if !may_block(call) {
            return Ok(task.execute(call));
        }
        let (tx, rx) = mpsc::channel();
        let (worker, job) = (task.clone(), call.clone());
        std::thread::spawn(move || {
            let _ = tx.send(worker.execute(&job));
        });
        match rx.recv_timeout(self.block_timeout) {
            Ok(result) => return Ok(result),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = self.sys.interrupt(task.tid());
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Error::new(ErrorKind::Protocol, "the model panicked"));
            }
        }
        rx.recv_timeout(self.call_timeout).map_err(|_| {
            Error::new(
                ErrorKind::Timeout,
                format!("model: {} ignored its interrupt", call.name()),
            )
        })
    }
}

impl Backend for Model {
    fn execute(&mut self, process: ProcessRef, call: &Call) -> Result<Outcome, Error> {
        let task = match self.task(process) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e).into()),
        };
        let result = self.run(&task, call)?;
        if let (Call::Fork | Call::Clone { .. } | Call::Vfork, Ok(Value::Int(pid))) =
            (call, &result)
        {
            self.pids.push(Pid::new(*pid as u32));
        }
        let table = match (call, &result) {
            (Call::Execve { .. }, Ok(_)) => self.table(process)?,
            _ => None,
        };
        Ok(Outcome { result, table })
    }

    fn table(&mut self, process: ProcessRef) -> Result<Option<Table>, Error> {
        let Ok(task) = self.task(process) else {
            return Ok(None);
        };
        let Ok(listing) = task.fd_listing() else {
            return Ok(None);
        };
        let candidates: Vec<u32> = listing.entries.iter().map(|e| e.fd.get()).collect();
        let link = |fd: u32| {
            listing
                .entries
                .iter()
                .find(|e| e.fd.get() == fd)
                .map_or_else(String::new, |e| e.link.clone())
        };
        Ok(Some(table::probe(
            &candidates,
            |fd, cmd, arg| task.fcntl(fd, cmd, arg),
            |fd| task.lseek(fd, 0, Whence::Cur).map(|n| n as i64),
            link,
        )))
    }

    fn process_of(&self, pid: u32) -> Option<ProcessRef> {
        self.pids
            .iter()
            .position(|p| p.get() == pid)
            .map(|i| ProcessRef(i as u32))
    }

    fn pid_of(&self, process: ProcessRef) -> Option<u32> {
        self.pid(process).map(Pid::get)
    }

    fn created(&self) -> u32 {
        self.pids.len() as u32
    }

    fn link(&mut self, process: ProcessRef, fd: i32) -> Option<String> {
        let listing = self.task(process).ok()?.fd_listing().ok()?;
        listing
            .entries
            .into_iter()
            .find(|e| e.fd.get() == fd as u32)
            .map(|e| e.link)
    }
}
