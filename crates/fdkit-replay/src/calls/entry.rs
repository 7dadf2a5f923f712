//! What a call registers when it *enters* (`<unfinished ...>`): the pending
//! table change a concurrency search may place early, and the state its
//! descriptors had at entry, from its [`Decoded`] arguments.

use super::*;

/// What an entering call registered (see [`Replay::on_entry`]).
#[derive(Default)]
pub(crate) struct Registered {
    pub cand: bool,
    pub opaque: bool,
    pub at_entry: [Option<(bool, Option<Arc<Description>>)>; 2],
    pub uses: [Option<Arc<Description>>; 2],
}

impl Replay {
    /// A call of `class` just entered on task `pid` (of process `tgid`, using table
    /// `gid`): register what a concurrency search needs, and the state its
    /// descriptors had at entry.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_entry(
        &mut self,
        pid: u32,
        (gid, tgid): (u32, u32),
        id: u64,
        start: u64,
        class: Class,
        d: &Decoded,
    ) -> Registered {
        if matches!(class, Class::Clone | Class::Clone3 | Class::Fork) {
            self.cloning.push(pid);
        }
        let opaque = d.opaque(class);
        let shared = self.group(gid).is_some_and(|g| g.refs > 1);
        let lim = Limits::new(self.procs.get(&tgid).map_or(1024, |p| p.nofile));
        let mut r = Registered::default();
        let offset_use = offset_use(class);
        for k in 0..2 {
            if let Some(fd) = d.watch[k] {
                let e = self
                    .group(gid)
                    .and_then(|g| g.table.get(Fd::new(fd)).cloned());
                if let (true, Some(e)) = (offset_use, &e) {
                    e.enter_use();
                    r.uses[k] = Some(e.clone());
                }
                r.at_entry[k] = Some((e.is_some(), e));
            }
        }
        if shared {
            if let Some(g) = self.group_mut(gid) {
                if let Some(op) = d.cand(class) {
                    g.enter(Cand { id, start, op, lim });
                    r.cand = true;
                }
                if opaque {
                    g.opaque += 1;
                }
            }
        }
        r.opaque = opaque && shared;
        r
    }
}
