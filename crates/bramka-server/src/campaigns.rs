//! Campaigns run in the background. `POST /api/v1/campaigns` records every recipient in the
//! ledger, writes a durable job (`campaign`, state `running`) and answers 202 at once; a task
//! sends chunk by chunk ([`bramka_ledger::Ledger::run_campaign_while`]), checking between two
//! requests whether it was paused or the server is stopping. The job's state (`running`,
//! `paused`, `done`, `failed`) lives in the ledger's database, so a restarted server takes up
//! every `running` campaign where the ledger left it: nobody is texted twice (an entry in flight
//! when the process died is `uncertain`, resent only to operators that de-duplicate).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bramka_ledger::{Job, Query, State};
use chrono::Utc;
use serde::Serialize;

use crate::App;
use crate::error::ApiError;

/// The job kind of a background campaign.
pub(crate) const KIND: &str = "campaign";
pub(crate) const RUNNING: &str = "running";
pub(crate) const PAUSED: &str = "paused";
pub(crate) const DONE: &str = "done";
pub(crate) const FAILED: &str = "failed";

/// Where a campaign stands: its run state and its recipients per state.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Progress {
    /// `running`, `paused`, `done` or `failed` (`done` for a campaign no server ran).
    pub(crate) state: String,
    /// Recipients in the campaign.
    pub(crate) total: u64,
    /// Handed to the operator (accepted, delivered, undelivered, expired or unknown).
    pub(crate) sent: u64,
    /// Refused (suppressed, rejected by the operator) or canceled.
    pub(crate) failed: u64,
    /// Not sent yet (`not_attempted`, or `pending` while a request is under way).
    pub(crate) pending: u64,
    /// May or may not have gone out (settled by reconciliation, never resent blindly).
    pub(crate) uncertain: u64,
    /// Recipients per ledger state.
    pub(crate) states: BTreeMap<&'static str, u64>,
    /// Why the last run stopped, when it failed.
    pub(crate) error: Option<String>,
}

impl Progress {
    fn add(&mut self, s: State, n: u64) {
        self.total += n;
        *self.states.entry(s.as_str()).or_insert(0) += n;
        match s {
            State::NotAttempted | State::Pending => self.pending += n,
            State::Uncertain => self.uncertain += n,
            State::Rejected | State::Canceled => self.failed += n,
            _ => self.sent += n,
        }
    }
}

impl App {
    /// A campaign's progress: the job's state and the ledger's counts (read page by page).
    pub(crate) async fn campaign_progress(&self, name: &str) -> Result<Progress, ApiError> {
        let store = self.ledger.store();
        store
            .campaign(name)
            .await
            .map_err(crate::sent::store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no campaign {name:?}")))?;
        let job = self.jobs.job(KIND, name).await.map_err(crate::sent::store_error)?;
        let mut p = Progress {
            state: job.as_ref().map_or(DONE, |j| j.state.as_str()).to_owned(),
            ..Default::default()
        };
        if let Some(j) = job.filter(|j| j.state == FAILED && !j.data.is_empty()) {
            p.error = Some(j.data);
        }
        let q = Query::all().campaign(name);
        let mut after = 0;
        loop {
            let page = store.entries_page(&q, after, 1000).await.map_err(crate::sent::store_error)?;
            for e in &page {
                p.add(e.state, 1);
            }
            match page.last() {
                Some(last) if page.len() == 1000 => after = last.id,
                _ => break,
            }
        }
        Ok(p)
    }

    /// Every campaign this server (or another on the same database) ran, newest first.
    pub(crate) async fn campaign_jobs(&self) -> Result<Vec<Job>, ApiError> {
        let mut jobs = self.jobs.jobs(KIND, &[]).await.map_err(crate::sent::store_error)?;
        jobs.sort_by_key(|j| std::cmp::Reverse(j.updated_at));
        Ok(jobs)
    }

    /// Marks campaign `name` running (a new one, or a paused or failed one resumed) and starts
    /// its task here unless one already runs here. `false` when it was done already.
    pub(crate) async fn start_campaign(self: &Arc<Self>, name: &str) -> Result<bool, ApiError> {
        let now = Utc::now();
        let fresh =
            self.jobs.put_job(Job::new(KIND, name, RUNNING, now)).await.map_err(crate::sent::store_error)?;
        if !fresh {
            let resumed = self
                .jobs
                .move_job(KIND, name, &[PAUSED, FAILED], RUNNING, Some(""), now)
                .await
                .map_err(crate::sent::store_error)?;
            let state = self.jobs.job(KIND, name).await.map_err(crate::sent::store_error)?.map(|j| j.state);
            if !resumed && state.as_deref() != Some(RUNNING) {
                return Ok(false);
            }
        }
        self.spawn_campaign(name);
        Ok(true)
    }

    /// Pauses a running campaign: its task stops before its next request (the request under way
    /// finishes). `false` when it was not running.
    pub(crate) async fn pause_campaign(&self, name: &str) -> Result<bool, ApiError> {
        let paused = self
            .jobs
            .move_job(KIND, name, &[RUNNING], PAUSED, None, Utc::now())
            .await
            .map_err(crate::sent::store_error)?;
        if paused && let Some(flag) = self.runs.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
            flag.store(true, Ordering::SeqCst);
        }
        Ok(paused)
    }

    /// Starts the task of every `running` campaign (after a restart).
    pub(crate) async fn resume_campaigns(self: &Arc<Self>) {
        match self.jobs.jobs(KIND, &[RUNNING]).await {
            Ok(jobs) => {
                if !jobs.is_empty() {
                    tracing::info!(campaigns = jobs.len(), "resuming the campaigns left running");
                }
                for j in jobs {
                    self.spawn_campaign(&j.key);
                }
            }
            Err(e) => tracing::error!(error = %e, "campaign jobs could not be read; none resumed"),
        }
    }

    fn spawn_campaign(self: &Arc<Self>, name: &str) {
        let pause = Arc::new(AtomicBool::new(false));
        {
            let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(flag) = runs.get(name) {
                // Already running here: un-pause it (a resume right after a pause).
                flag.store(false, Ordering::SeqCst);
                return;
            }
            runs.insert(name.to_owned(), pause.clone());
        }
        let app = self.clone();
        let name = name.to_owned();
        self.tasks.spawn(async move {
            let interrupted = run(&app, &name, pause).await;
            app.runs.lock().unwrap_or_else(|p| p.into_inner()).remove(&name);
            // Paused, then resumed before this run noticed: the resume found this task and left
            // it to go on, so start again (after the removal above, so no resume is lost).
            let stopping = *app.stop_rx().borrow();
            if interrupted
                && !stopping
                && matches!(app.jobs.job(KIND, &name).await, Ok(Some(j)) if j.state == RUNNING)
            {
                app.spawn_campaign(&name);
            }
        });
    }
}

/// Runs campaign `name` until it is complete, paused, failed or the server stops; `true` when it
/// stopped between two requests because it was paused or the server is stopping.
async fn run(app: &Arc<App>, name: &str, pause: Arc<AtomicBool>) -> bool {
    let stop = app.stop_rx();
    let fail = |why: String| async move {
        tracing::warn!(campaign = %name, error = %why, "campaign run failed");
        let _ = app.jobs.move_job(KIND, name, &[RUNNING], FAILED, Some(&why), Utc::now()).await;
        false
    };
    let record = match app.ledger.store().campaign(name).await {
        Ok(Some(c)) => app.ledger.store().message(c.message).await,
        Ok(None) => return fail("the ledger has no such campaign".into()).await,
        Err(e) => Err(e),
    };
    let account = match record {
        Ok(Some(m)) => m.account,
        Ok(None) => return fail("the campaign's message is missing".into()).await,
        Err(e) => return fail(format!("ledger: {e}")).await,
    };
    // The runner records every outcome itself, so it gets the bare account.
    let gw = match crate::sent::bare_gateway(&app.settings, &account) {
        Ok(g) => g,
        Err(e) => return fail(e).await,
    };
    // Another instance (or the API) may pause it: the job's state is looked at now and then.
    let watch = {
        let (app, name, pause) = (app.clone(), name.to_owned(), pause.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if let Ok(Some(j)) = app.jobs.job(KIND, &name).await
                    && j.state != RUNNING
                {
                    pause.store(true, Ordering::SeqCst);
                    return;
                }
            }
        })
    };
    let stopping = Arc::new(AtomicBool::new(false));
    let go_on = {
        let (pause, stopping) = (pause.clone(), stopping.clone());
        move || !pause.load(Ordering::SeqCst) && !stopping.load(Ordering::SeqCst)
    };
    let result = {
        let run = app.ledger.run_campaign_while(name, gw.as_ref(), &go_on);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => r,
            () = crate::stopped(stop) => {
                // Stop before the next request; the one under way finishes and is recorded.
                stopping.store(true, Ordering::SeqCst);
                run.await
            }
        }
    };
    watch.abort();
    match result {
        Ok(r) if r.interrupted => {
            tracing::info!(campaign = %name, sent = r.sent, paused = pause.load(Ordering::SeqCst), "campaign run interrupted");
            true
        }
        Ok(r) => match r.stopped {
            Some(e) => fail(e.to_string()).await,
            None => {
                tracing::info!(campaign = %name, sent = r.sent, uncertain = r.uncertain.len(), "campaign done");
                let _ = app.jobs.move_job(KIND, name, &[RUNNING], DONE, None, Utc::now()).await;
                false
            }
        },
        Err(e) => fail(format!("ledger: {e}")).await,
    }
}
