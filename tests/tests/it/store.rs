//! The key-value store's contract, on the implementation the environment chose (in-process by
//! default, Redis with YISHI_TEST_REDIS_URL): the same tests for both.

use std::future::Future;
use std::time::{Duration, Instant};

use infra::store::StoreLock;
use infra::testing::test_store;

/// How long past its TTL an expiry may take to show before the test fails (a deadline, not a
/// margin that must hold on a busy machine).
const GRACE: Duration = Duration::from_secs(10);
/// Redis keeps expiry times in whole milliseconds.
const ROUNDING: Duration = Duration::from_millis(2);

/// Polls `gone` until it answers true, failing after `ttl` + [`GRACE`] since `since`; returns
/// how long after `since` it was seen gone. Expiry is Redis's own clock (or the in-process
/// store's), so no manual clock can drive it: the test waits for the fact, bounded.
async fn until_gone<F, Fut>(since: Instant, ttl: Duration, mut gone: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    loop {
        if gone().await {
            return since.elapsed();
        }
        assert!(since.elapsed() < ttl + GRACE, "still there {:?} after a TTL of {ttl:?}", since.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    let store = test_store();
    let ttl = Duration::from_millis(300);
    let set_at = Instant::now();
    store.set("session:a", "alice", ttl).await.unwrap();
    let seen = store.get("session:a").await.unwrap();
    // Present whenever the TTL has not run out (a stalled machine may only excuse its absence).
    assert!(seen.as_deref() == Some("alice") || set_at.elapsed() >= ttl, "{seen:?} after {:?}", set_at.elapsed());
    let gone_after = until_gone(set_at, ttl, || async { store.get("session:a").await.unwrap().is_none() }).await;
    assert!(gone_after + ROUNDING >= ttl, "expired early, after {gone_after:?}");
    assert!(store.ping().await.is_ok());
}

#[tokio::test]
async fn set_if_absent_and_delete_if_equals_guard_ownership() {
    let store = test_store();
    assert!(store.set_if_absent("k", "first", Duration::from_secs(10)).await.unwrap());
    assert!(!store.set_if_absent("k", "second", Duration::from_secs(10)).await.unwrap());
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("first"));
    assert!(!store.delete_if_equals("k", "second").await.unwrap());
    assert!(store.delete_if_equals("k", "first").await.unwrap());
    assert!(!store.delete("k").await.unwrap());
    store.set("k", "v", Duration::from_secs(10)).await.unwrap();
    assert!(store.delete("k").await.unwrap());
}

#[tokio::test]
async fn hits_count_within_a_window_and_reset_after_it() {
    let store = test_store();
    let window = Duration::from_millis(400);
    let opened = Instant::now();
    for expected in 1..=3 {
        let count = store.hit("rl:ip:1.2.3.4", window).await.unwrap();
        // Counted in one window unless the machine stalled past it (which only excuses a reset).
        let stalled = opened.elapsed() >= window;
        assert!(count.count == expected || stalled, "{count:?} for hit {expected}");
        assert!(count.resets_in <= window && count.resets_in > Duration::ZERO, "{count:?}");
    }
    // The window closes on its own: the counter is gone, and the next hit opens a new window.
    let closed_after =
        until_gone(opened, window, || async { store.counter("rl:ip:1.2.3.4").await.unwrap().is_none() }).await;
    assert!(closed_after + ROUNDING >= window, "the window closed early, after {closed_after:?}");
    assert_eq!(store.hit("rl:ip:1.2.3.4", window).await.unwrap().count, 1);
}

#[tokio::test]
async fn concurrent_hits_are_all_counted() {
    let store = test_store();
    let hits = (0..50).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.hit("rl:user:1", Duration::from_secs(30)).await.unwrap().count })
    });
    let mut counts: Vec<u64> = futures_util::future::join_all(hits).await.into_iter().map(Result::unwrap).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=50).collect::<Vec<u64>>());
}

#[tokio::test]
async fn a_lock_has_one_holder_at_a_time() {
    let store = test_store();
    let attempts = (0..10).map(|_| {
        let store = store.clone();
        tokio::spawn(
            async move { StoreLock::try_acquire(&store, "token-refresh", Duration::from_secs(5)).await.unwrap() },
        )
    });
    let mut held: Vec<StoreLock> =
        futures_util::future::join_all(attempts).await.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(held.len(), 1);
    let lock = held.pop().unwrap();
    assert!(StoreLock::try_acquire(&store, "token-refresh", Duration::from_secs(5)).await.unwrap().is_none());
    assert!(lock.release().await.unwrap());
    assert!(StoreLock::try_acquire(&store, "token-refresh", Duration::from_secs(5)).await.unwrap().is_some());
}

#[tokio::test]
async fn an_abandoned_lock_expires() {
    let store = test_store();
    let ttl = Duration::from_millis(200);
    let taken_at = Instant::now();
    let lock = StoreLock::try_acquire(&store, "dead-holder", ttl).await.unwrap();
    assert!(lock.is_some());
    std::mem::forget(lock);
    let freed_after = until_gone(taken_at, ttl, || async {
        StoreLock::try_acquire(&store, "dead-holder", Duration::from_secs(5)).await.unwrap().is_some()
    })
    .await;
    assert!(freed_after + ROUNDING >= ttl, "another holder got the lock early, after {freed_after:?}");
}
