//! Group commit: the write transactions of concurrent store calls share one `COMMIT`.
//!
//! Each call queues its work as a [`Job`] and hands a task to the blocking pool. The task that
//! gets the connection first takes every job queued by then (its own and those of calls that
//! came in while the connection was busy), runs them one after another in one `BEGIN IMMEDIATE`
//! transaction, each inside its own `SAVEPOINT` (so a failing job undoes only its own writes),
//! commits once, and only then answers every caller. A caller whose job another task took finds
//! the queue empty and just waits for its answer. So no caller is answered before its writes are
//! committed (an intent is in the WAL before its request is made, exactly as with a transaction
//! per call), while under concurrent sends the commits, the WAL frames of the index pages they
//! share, and the hand-overs to the connection are paid once per group rather than once per call.

use std::sync::Mutex;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

/// Runs inside the group's transaction (given `Ok`) and says whether to keep its writes, holding
/// its answer back until the commit ([`Deliver`]); given `Err` it is not run, and answers that
/// error.
pub(super) type Job = Box<dyn FnOnce(Result<&Connection, &StoreError>) -> (bool, Deliver) + Send>;

/// Answers the caller: with the job's own result, or the commit's error when the commit failed.
pub(super) type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// The most jobs one transaction takes (the rest wait for the next).
const MAX_GROUP: usize = 64;

/// The jobs waiting for the connection.
#[derive(Default)]
pub(super) struct Queue {
    jobs: Mutex<Vec<Job>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Queue {
    pub(super) fn push(&self, job: Job) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).push(job);
    }

    fn take(&self) -> Vec<Job> {
        let mut q = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let n = q.len().min(MAX_GROUP);
        q.drain(..n).collect()
    }

    /// With the connection held: runs the queued jobs in groups until none is left.
    pub(super) fn drain(&self, conn: &mut Connection) {
        loop {
            let jobs = self.take();
            if jobs.is_empty() {
                return;
            }
            run_group(conn, jobs);
        }
    }
}

/// One transaction for `jobs`; every job's caller answered after the commit.
fn run_group(conn: &mut Connection, jobs: Vec<Job>) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = StoreError::from(e);
            for job in jobs {
                // Not run: answered with the error that kept the transaction from starting.
                let (_, deliver) = job(Err(&e));
                deliver(None);
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(jobs.len());
    if jobs.len() == 1 {
        // Alone: no savepoint needed, a failure rolls the transaction back.
        let job = jobs.into_iter().next().expect("one job");
        let (ok, deliver) = job(Ok(&tx));
        if !ok {
            drop(tx);
            deliver(None);
            return;
        }
        answers.push(deliver);
    } else {
        for job in jobs {
            if let Err(e) = tx.execute_batch("SAVEPOINT job") {
                let (_, deliver) = job(Err(&StoreError::from(e)));
                deliver(None);
                continue;
            }
            let (ok, deliver) = job(Ok(&tx));
            let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            if let Err(e) = tx.execute_batch(end) {
                // The transaction is in an unknown state: give up on all of it.
                let e = StoreError::from(e);
                drop(tx);
                deliver(Some(&e));
                for d in answers {
                    d(Some(&e));
                }
                return;
            }
            answers.push(deliver);
        }
    }
    let committed = tx.commit().map_err(StoreError::from);
    let err = committed.as_ref().err();
    for deliver in answers {
        deliver(err);
    }
}
