//! The storage layer every feature builds on, on the backend the environment chose: migrations,
//! write transactions, unique inserts, leases, idempotency records and jobs.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use infra::db::{self, insert_unique, write_tx, Inserted, Lease};
use infra::idempotency::{self, IdempotencyError, IdempotencyKey, Outcome, StoredResponse};
use infra::testing::schema::{idempotency_keys, job_leases};
use infra::{Database, DbOptions, InfraError};
use yishi_tests::{spawn_app, Db};

fn open(db: &Db) -> Database {
    Database::open(&db.url, DbOptions { max_connections: 12, ..DbOptions::default() }).unwrap()
}

async fn migrated() -> (Db, Database) {
    let test_db = Db::create();
    let database = open(&test_db);
    database.run(db::run_pending).await.unwrap();
    (test_db, database)
}

/// Rows of `job_leases`, the table these tests create things in.
async fn things(database: &Database) -> i64 {
    database.run(|conn| Ok::<_, TestError>(job_leases::table.count().get_result::<i64>(conn)?)).await.unwrap()
}

async fn records(database: &Database) -> i64 {
    database.run(|conn| Ok::<_, TestError>(idempotency_keys::table.count().get_result::<i64>(conn)?)).await.unwrap()
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Test errors: whatever the layer below says, shown when a test fails.
#[derive(Debug)]
#[allow(dead_code)]
struct TestError(String);

impl From<InfraError> for TestError {
    fn from(e: InfraError) -> Self {
        Self(e.to_string())
    }
}

impl infra::error::ConnectionLoss for TestError {
    fn connection_lost(&self) -> bool {
        false
    }
}

impl From<DieselError> for TestError {
    fn from(e: DieselError) -> Self {
        Self(e.to_string())
    }
}

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = format!("{}/../infra/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| {
            let path = entry.unwrap().path();
            for file in ["up.sql", "down.sql"] {
                assert!(path.join(file).is_file(), "{} lacks {file}", path.display());
            }
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect()
}

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    let test_db = Db::create();
    let database = open(&test_db);
    let first = database.run(db::run_pending).await.unwrap();
    assert_eq!(first.len(), migration_names("sqlite").len());
    let reverted = database.run(db::revert_all).await.unwrap();
    assert_eq!(reverted.len(), first.len());
    let gone = database
        .run(|conn| Ok::<_, TestError>(idempotency_keys::table.count().get_result::<i64>(conn).is_err()))
        .await
        .unwrap();
    assert!(gone, "tables are dropped by the down migrations");
    let again = database.run(db::run_pending).await.unwrap();
    assert_eq!(again, first);
    let applied = database.run(db::applied_migrations).await.unwrap();
    assert_eq!(applied.len(), first.len());
    let nothing = database.run(db::run_pending).await.unwrap();
    assert!(nothing.is_empty(), "a second run applies nothing");
}

#[tokio::test]
async fn concurrent_starts_migrate_once() {
    let test_db = Db::create();
    let runs = (0..4).map(|_| {
        let database = open(&test_db);
        tokio::spawn(async move { database.run(db::run_pending).await })
    });
    let results: Vec<Vec<String>> =
        futures_util::future::join_all(runs).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    let applied_total: usize = results.iter().map(Vec::len).sum();
    assert_eq!(
        applied_total,
        migration_names("sqlite").len(),
        "each migration applied by exactly one starter: {results:?}"
    );
}

/// Two transactions that each read, pause, then write: both succeed. On SQLite a deferred
/// transaction would fail at once with SQLITE_BUSY; the write transaction queues instead.
#[tokio::test]
async fn concurrent_read_then_write_transactions_both_succeed() {
    let (_test_db, database) = migrated().await;
    let workers = (0..2).map(|i| {
        let database = database.clone();
        tokio::spawn(async move {
            database
                .run(move |conn| {
                    write_tx(conn, |conn| -> Result<i64, TestError> {
                        let seen = job_leases::table.count().get_result::<i64>(conn)?;
                        std::thread::sleep(std::time::Duration::from_millis(150));
                        diesel::insert_into(job_leases::table)
                            .values(job_leases::id.eq(format!("row-{i}")))
                            .execute(conn)?;
                        Ok(seen)
                    })
                })
                .await
        })
    });
    let results = futures_util::future::join_all(workers).await;
    for result in &results {
        assert!(result.as_ref().unwrap().is_ok(), "{result:?}");
    }
    let rows = things(&database).await;
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_failed_write_transaction_leaves_nothing() {
    let (_test_db, database) = migrated().await;
    let result = database
        .run(|conn| {
            write_tx(conn, |conn| -> Result<(), TestError> {
                diesel::insert_into(job_leases::table).values(job_leases::id.eq("doomed")).execute(conn)?;
                Err(TestError("business rule refused".into()))
            })
        })
        .await;
    assert!(result.is_err());
    let rows = things(&database).await;
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn insert_unique_reports_duplicates_and_keeps_the_transaction_usable() {
    let (_test_db, database) = migrated().await;
    let outcome = database
        .run(|conn| {
            write_tx(conn, |conn| -> Result<(Inserted, Inserted), TestError> {
                let insert = |conn: &mut infra::DbConn| {
                    diesel::insert_into(job_leases::table).values(job_leases::id.eq("only-once")).execute(conn)
                };
                let first = insert_unique(conn, insert)?;
                let second = insert_unique(conn, insert)?;
                // Still usable after the collision (PostgreSQL would have aborted without the savepoint).
                diesel::insert_into(job_leases::table).values(job_leases::id.eq("after")).execute(conn)?;
                Ok((first, second))
            })
        })
        .await
        .unwrap();
    assert_eq!(outcome, (Inserted::New, Inserted::Duplicate));
    let rows = things(&database).await;
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_lease_goes_to_exactly_one_of_many_claimers_until_it_expires() {
    let (_test_db, database) = migrated().await;
    database
        .run(|conn| {
            Ok::<_, TestError>(diesel::insert_into(job_leases::table).values(job_leases::id.eq("work")).execute(conn)?)
        })
        .await
        .unwrap();
    let start = now();
    let claims = (0..8).map(|i| {
        let database = database.clone();
        tokio::spawn(async move {
            database
                .run(move |conn| {
                    Ok::<_, TestError>(job_leases::table::try_claim(
                        conn,
                        "work",
                        &format!("w{i}"),
                        start,
                        start + Duration::seconds(30),
                    )?)
                })
                .await
                .unwrap()
        })
    });
    let won: Vec<bool> = futures_util::future::join_all(claims).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    let winner = format!("w{}", won.iter().position(|w| *w).unwrap());

    let (early, not_owner, later) = database
        .run(move |conn| {
            let early = job_leases::table::try_claim(
                conn,
                "work",
                "late",
                start + Duration::seconds(10),
                start + Duration::seconds(40),
            )?;
            let not_owner = job_leases::table::release(conn, "work", "late")?;
            let later = job_leases::table::try_claim(
                conn,
                "work",
                "late",
                start + Duration::seconds(31),
                start + Duration::seconds(60),
            )?;
            Ok::<_, TestError>((early, not_owner, later))
        })
        .await
        .unwrap();
    assert!(!early, "an unexpired lease is not taken");
    assert!(!not_owner, "only the holder releases");
    assert!(later, "an expired lease is taken over");
    let released = database
        .run(move |conn| {
            let stale = job_leases::table::release(conn, "work", &winner)?;
            let own = job_leases::table::release(conn, "work", "late")?;
            let free = job_leases::table::try_claim(
                conn,
                "work",
                "next",
                start + Duration::seconds(32),
                start + Duration::seconds(90),
            )?;
            Ok::<_, TestError>((stale, own, free))
        })
        .await
        .unwrap();
    assert_eq!(released, (false, true, true));
}

fn key(k: &str, body: &str) -> IdempotencyKey {
    IdempotencyKey::new("user-1", k, "POST /api/v1/things", body.as_bytes())
}

/// Creates a thing (a row) and answers with its id, once per key.
async fn create_thing(
    database: &Database,
    key: Option<IdempotencyKey>,
) -> Result<Outcome, IdempotencyError<TestError>> {
    idempotency::run_once(database, key, now(), |conn| {
        let id = domain::new_id();
        diesel::insert_into(job_leases::table).values(job_leases::id.eq(&id)).execute(conn)?;
        Ok::<_, TestError>(StoredResponse { status: 201, body: format!("{{\"id\":\"{id}\"}}") })
    })
    .await
}

#[tokio::test]
async fn ten_concurrent_requests_with_one_key_create_one_row_and_get_one_answer() {
    let (_test_db, database) = migrated().await;
    let database = Arc::new(database);
    let requests = (0..10).map(|_| {
        let database = database.clone();
        tokio::spawn(async move { create_thing(&database, Some(key("key-0001", "{\"a\":1}"))).await })
    });
    let outcomes: Vec<Outcome> =
        futures_util::future::join_all(requests).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    let bodies: BTreeSet<&str> = outcomes.iter().map(|o| o.response().body.as_str()).collect();
    assert_eq!(bodies.len(), 1, "identical answers: {bodies:?}");
    assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Created(_))).count(), 1);
    assert_eq!((things(&database).await, records(&database).await), (1, 1));

    let reused = create_thing(&database, Some(key("key-0001", "{\"a\":2}"))).await;
    assert!(matches!(reused, Err(IdempotencyError::KeyReused)));
    let other_caller = idempotency::run_once(
        &database,
        Some(IdempotencyKey::new("user-2", "key-0001", "POST /api/v1/things", b"{\"a\":1}")),
        now(),
        |_| Ok::<_, TestError>(StoredResponse { status: 201, body: "{}".into() }),
    )
    .await
    .unwrap();
    assert!(matches!(other_caller, Outcome::Created(_)), "keys are per caller");
}

#[tokio::test]
async fn a_failed_creation_records_no_key_and_can_be_retried() {
    let (_test_db, database) = migrated().await;
    let failed = idempotency::run_once(&database, Some(key("key-0002", "{}")), now(), |conn| {
        diesel::insert_into(job_leases::table).values(job_leases::id.eq("half-done")).execute(conn)?;
        Err::<StoredResponse, _>(TestError("refused".into()))
    })
    .await;
    assert!(matches!(failed, Err(IdempotencyError::Failed(_))));
    let retried = create_thing(&database, Some(key("key-0002", "{}"))).await.unwrap();
    assert!(matches!(retried, Outcome::Created(_)));
    let things = things(&database).await;
    assert_eq!(things, 1, "the failed attempt left nothing");
}

#[tokio::test]
async fn the_purge_job_removes_idempotency_records_past_retention() {
    let app = spawn_app().await;
    let database = app.state.db.clone();
    let recorded_at = domain::Clock::now(&app.clock).naive_utc();
    idempotency::run_once(&database, Some(key("key-0003", "{}")), recorded_at, |_| {
        Ok::<_, TestError>(StoredResponse { status: 201, body: "{}".into() })
    })
    .await
    .unwrap();
    assert_eq!(app.state.jobs.run_now("purge_idempotency_keys").await.unwrap(), 0, "fresh records stay");
    app.clock.advance(Duration::hours(49));
    assert_eq!(app.state.jobs.run_now("purge_idempotency_keys").await.unwrap(), 1);
    assert_eq!(records(&database).await, 0);
}

/// A job that counts its runs, registered in one "instance" (its own pool and name) per call,
/// every instance on the same database.
fn scheduled_instance(
    test_db: &Db,
    clock: Arc<dyn domain::Clock>,
    every: std::time::Duration,
    runs: Arc<std::sync::atomic::AtomicUsize>,
) -> infra::jobs::Jobs {
    let ctx = infra::jobs::JobContext { db: open(test_db), clock, instance: domain::new_id() };
    infra::jobs::Jobs::builder(ctx)
        .job("count", every, move |_ctx| {
            let runs = runs.clone();
            async move { Ok(runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) }
        })
        .build()
}

/// The job lease: two instances ticking the schedule at the same moments run an exclusive job
/// once per period between them, however their ticks interleave (a manual clock moves the
/// periods).
#[tokio::test]
async fn two_instances_on_the_schedule_run_a_job_once_per_period() {
    let (test_db, _database) = migrated().await;
    let clock = domain::ManualClock::starting_at(Utc::now());
    let every = std::time::Duration::from_secs(60);
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let one = scheduled_instance(&test_db, Arc::new(clock.clone()), every, runs.clone());
    let two = scheduled_instance(&test_db, Arc::new(clock.clone()), every, runs.clone());
    for period in 1..=20 {
        let (a, b) = tokio::join!(one.run_scheduled("count"), two.run_scheduled("count"));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(usize::from(a.is_some()) + usize::from(b.is_some()), 1, "period {period}: {a:?} {b:?}");
        // A second tick inside the same period (a restarted loop, a drifting timer) runs nothing.
        clock.advance(Duration::seconds(30));
        let (a, b) = tokio::join!(one.run_scheduled("count"), two.run_scheduled("count"));
        assert_eq!((a.unwrap(), b.unwrap()), (None, None), "period {period}, half-way");
        clock.advance(Duration::seconds(30));
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), period);
    }
}

/// The same through the real loops (`Jobs::spawn`) on the real clock: two instances ticking
/// every 200 ms run the job at most once per lease (180 ms) between them, where without the
/// lease they would run it twice per period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_running_their_loops_share_the_periods() {
    let (test_db, _database) = migrated().await;
    let every = std::time::Duration::from_millis(200);
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let system: Arc<dyn domain::Clock> = Arc::new(domain::SystemClock);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = std::time::Instant::now();
    let mut loops = scheduled_instance(&test_db, system.clone(), every, runs.clone()).spawn(stopped.clone());
    loops.extend(scheduled_instance(&test_db, system, every, runs.clone()).spawn(stopped));
    // Wait for six runs (a deadline, not a guess), then stop both loops.
    let deadline = started + std::time::Duration::from_secs(30);
    while runs.load(std::sync::atomic::Ordering::SeqCst) < 6 {
        assert!(std::time::Instant::now() < deadline, "the schedule did not run six times in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    for task in loops {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let total = runs.load(std::sync::atomic::Ordering::SeqCst);
    // Each run needs the previous period's lease (every - a tenth) to have run out.
    let lease = every - every / 10;
    let most = usize::try_from(elapsed.as_millis() / lease.as_millis()).unwrap() + 1;
    assert!(total <= most, "{total} runs in {elapsed:?}: more than one per period");
}
