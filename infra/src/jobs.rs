//! Background jobs: periodic work (sweepers, purges, later the outbox dispatcher) that runs in
//! every server instance but, through a lease on its `job_leases` row, in only one at a time.
//! Tests call [`Jobs::run_now`] with a manual clock instead of waiting.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::Clock;

use crate::db::{insert_unique, Database, Lease};
use crate::schema::job_leases::dsl as j;
use crate::InfraError;

/// What a job needs to do its work.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    /// This instance's name in lease rows.
    pub instance: String,
}

impl JobContext {
    pub fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }
}

/// How many items one run handled, for logs and tests.
pub type JobReport = usize;

type JobFuture = Pin<Box<dyn Future<Output = Result<JobReport, InfraError>> + Send>>;
type JobFn = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;

struct Job {
    every: Duration,
    run: JobFn,
    /// Runs in one instance per period (a lease on its `job_leases` row); otherwise in every
    /// instance, for work that divides itself among instances (row leases).
    exclusive: bool,
}

/// The registry of jobs.
#[derive(Clone)]
pub struct Jobs {
    ctx: JobContext,
    jobs: Arc<BTreeMap<&'static str, Job>>,
    /// This instance's name in lease rows.
    instance: String,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").field("jobs", &self.names()).finish()
    }
}

pub struct JobsBuilder {
    ctx: JobContext,
    jobs: BTreeMap<&'static str, Job>,
}

impl JobsBuilder {
    pub fn job<F, Fut>(mut self, name: &'static str, every: Duration, run: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JobReport, InfraError>> + Send + 'static,
    {
        let run: JobFn = Arc::new(move |ctx| Box::pin(run(ctx)));
        self.jobs.insert(name, Job { every, run, exclusive: true });
        self
    }

    /// A job every instance runs each period; it must share its work out itself.
    pub fn every_instance<F, Fut>(mut self, name: &'static str, every: Duration, run: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JobReport, InfraError>> + Send + 'static,
    {
        let run: JobFn = Arc::new(move |ctx| Box::pin(run(ctx)));
        self.jobs.insert(name, Job { every, run, exclusive: false });
        self
    }

    pub fn build(self) -> Jobs {
        let instance = self.ctx.instance.clone();
        Jobs { ctx: self.ctx, jobs: Arc::new(self.jobs), instance }
    }
}

impl Jobs {
    pub fn builder(ctx: JobContext) -> JobsBuilder {
        JobsBuilder { ctx, jobs: BTreeMap::new() }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.jobs.keys().copied().collect()
    }

    /// Runs job `name` once, now, in the caller's task (tests; admins later).
    pub async fn run_now(&self, name: &str) -> Result<JobReport, InfraError> {
        let job = self.jobs.get(name).ok_or_else(|| InfraError::Task(format!("no job named {name}")))?;
        (job.run)(self.ctx.clone()).await
    }

    /// Starts every job's loop; they stop when `shutdown` flips to true.
    pub fn spawn(&self, shutdown: tokio::sync::watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        self.jobs
            .keys()
            .map(|&name| {
                let jobs = self.clone();
                let mut shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let every = jobs.jobs.get(name).map_or(Duration::from_secs(60), |j| j.every);
                    let mut ticker = tokio::time::interval(every);
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tokio::select! {
                            _ = ticker.tick() => jobs.tick(name).await,
                            _ = shutdown.changed() => break,
                        }
                    }
                })
            })
            .collect()
    }

    /// One tick of the schedule, logged.
    async fn tick(&self, name: &'static str) {
        match self.run_scheduled(name).await {
            Ok(Some(handled)) => tracing::debug!(job = name, handled, "job ran"),
            Ok(None) => {}
            Err(error) => tracing::warn!(job = name, %error, "job failed or its lease was unavailable"),
        }
    }

    /// One scheduled run of job `name`, as each instance's loop makes it every period: an
    /// exclusive job runs only in the instance that wins this period's lease. Returns what the
    /// run handled, or `None` when another instance holds the period.
    pub async fn run_scheduled(&self, name: &str) -> Result<Option<JobReport>, InfraError> {
        let (&name, job) =
            self.jobs.get_key_value(name).ok_or_else(|| InfraError::Task(format!("no job named {name}")))?;
        if job.exclusive && !self.claim(name, job.every).await? {
            return Ok(None);
        }
        self.run_now(name).await.map(Some)
    }

    /// Claims this period of job `name`. The lease is held until just before the next period
    /// (a tenth of it early, at most half a second, so the holder's next tick is not refused
    /// by its own lease), so one run happens per period across all instances.
    async fn claim(&self, name: &'static str, every: Duration) -> Result<bool, InfraError> {
        let now = self.ctx.now();
        let slack = (every / 10).min(Duration::from_millis(500));
        let until = now + chrono::Duration::from_std(every - slack).unwrap_or(chrono::Duration::minutes(1));
        let owner = self.instance.clone();
        self.ctx
            .db
            .run(move |conn| -> Result<bool, InfraError> {
                insert_unique(conn, |conn| diesel::insert_into(j::job_leases).values(j::id.eq(name)).execute(conn))?;
                let won = crate::schema::job_leases::table::try_claim(conn, name, &owner, now, until)?;
                if won {
                    diesel::update(j::job_leases.filter(j::id.eq(name))).set(j::last_run_at.eq(now)).execute(conn)?;
                }
                Ok(won)
            })
            .await
    }
}
