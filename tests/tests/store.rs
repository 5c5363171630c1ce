//! The key-value store's contract, on the implementation the environment chose (in-process by
//! default, Redis with YISHI_TEST_REDIS_URL): the same tests for both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use infra::store::StoreLock;
use infra::testing::test_store;

#[tokio::test]
async fn values_expire_after_their_ttl() {
    let store = test_store();
    store.set("session:a", "alice", Duration::from_millis(300)).await.unwrap();
    assert_eq!(store.get("session:a").await.unwrap().as_deref(), Some("alice"));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(store.get("session:a").await.unwrap(), None);
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
    for expected in 1..=3 {
        let count = store.hit("rl:ip:1.2.3.4", window).await.unwrap();
        assert_eq!(count.count, expected);
        assert!(count.resets_in <= window && count.resets_in > Duration::ZERO, "{count:?}");
    }
    tokio::time::sleep(Duration::from_millis(550)).await;
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
    let lock = StoreLock::try_acquire(&store, "dead-holder", Duration::from_millis(200)).await.unwrap();
    assert!(lock.is_some());
    std::mem::forget(lock);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(StoreLock::try_acquire(&store, "dead-holder", Duration::from_secs(1)).await.unwrap().is_some());
}
