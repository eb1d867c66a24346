//! Refresh with a single flight: many requests meeting an expired token cause one refresh.

use std::sync::atomic::Ordering;

use oxmcp_auth::client::OAuthConfig;

use crate::flow::{connect_with, oauth};
use crate::mock;

#[tokio::test]
async fn a_hundred_concurrent_requests_cause_one_refresh() {
    let mock = mock::start().await;
    // Every token expires at once while connecting (each use refreshes it); then refreshed
    // tokens live an hour.
    *mock.state.code_expires_in.lock().unwrap() = 0;
    *mock.state.refresh_expires_in.lock().unwrap() = 0;
    let oauth = oauth(&mock, OAuthConfig::new("t"));
    let client = connect_with(&mock, &oauth).await.unwrap();
    assert_eq!(oauth.grants_run(), 1);
    *mock.state.refresh_expires_in.lock().unwrap() = 3600;
    let before = mock.state.refreshes.load(Ordering::SeqCst);
    let mut calls = Vec::new();
    for _ in 0..100 {
        let oauth = oauth.clone();
        calls.push(tokio::spawn(async move { oauth.access_token().await }));
    }
    let mut tokens = std::collections::HashSet::new();
    for call in calls {
        let token = call.await.unwrap().unwrap().expect("a token");
        tokens.insert(token.secret().to_owned());
    }
    assert_eq!(tokens.len(), 1, "every request got the same new token");
    assert_eq!(mock.state.refreshes.load(Ordering::SeqCst) - before, 1);
    assert_eq!(
        oauth.refreshes(),
        mock.state.refreshes.load(Ordering::SeqCst)
    );
    // The MCP requests use it too.
    client.peer().ping().await.unwrap();
    assert_eq!(oauth.grants_run(), 1, "no new authorization was needed");
    client.close().await;
}
