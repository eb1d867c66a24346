//! Task ids and task owners.
//!
//! Ids are 128 bits from the operating system's generator, written as 32 lowercase hex
//! digits: unguessable, so that knowing an id is not a way in (the owner check is).
//!
//! Owners: every task belongs to the requestor that created it, and every read checks it.
//! [`owner_of`] is the one place that decides who that is: the authenticated
//! [`Principal`](oxmcp_core::Principal) of the request when it has one
//! (`principal:<principal key>`), so that the tasks of a user follow the user across
//! sessions; else the session: `session:<process nonce>:<session id>`, where the nonce is
//! drawn at random once per process, so that a session of a later process (after a restart,
//! on a store that outlives it) never inherits the tasks of an earlier session that had the
//! same number. A 2026-07-28 request without a principal has no session that outlives
//! it: its tasks belong to `bearer:`, and their unguessable ids are the credential.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::TaskOwner;
use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Role;

/// The operating system could not provide random bytes.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no randomness available from the operating system: {0}")]
pub(crate) struct NoRandomness(String);

impl NoRandomness {
    pub(crate) fn new(cause: impl Into<String>) -> Self {
        Self(cause.into())
    }
}

fn random_hex(bytes: usize) -> Result<String, NoRandomness> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| NoRandomness::new(e.to_string()))?;
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}

/// A fresh task id: 128 random bits as 32 hex digits.
pub(crate) fn new_task_id() -> Result<String, NoRandomness> {
    random_hex(16)
}

/// The random nonce of this process (drawn on first use).
fn process_nonce() -> Result<&'static str, NoRandomness> {
    static NONCE: OnceLock<String> = OnceLock::new();
    if let Some(nonce) = NONCE.get() {
        return Ok(nonce);
    }
    let fresh = random_hex(16)?;
    Ok(NONCE.get_or_init(|| fresh))
}

/// Who owns the tasks requestors create ([`TaskConfig::owner`](super::TaskConfig::owner)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OwnerPolicy {
    /// The requestor that created the task (the default): its authenticated principal
    /// (`principal:<key>`: every session of the same caller sees its tasks), else its
    /// session (`session:<process nonce>:<session id>`, the nonce drawn at random once per
    /// process: another session, and every session of a later process, sees none of them).
    #[default]
    Requestor,
    /// One owner, `fixed:<name>`, for every task of every session, in this process and in
    /// later ones on the same store: after a restart, the new session reads, waits on and
    /// cancels the tasks of the previous process.
    ///
    /// **Only for single-user deployments** (a stdio server, which serves the one client
    /// that started it): with several users (a Streamable HTTP server), every user would
    /// list, read and cancel the tasks of every other.
    Fixed(String),
}

/// Who owns the tasks created by the request of `cx` under `policy`.
pub(crate) fn owner_for<R: Role>(
    cx: &RequestContext<R>,
    policy: &OwnerPolicy,
) -> Result<TaskOwner, NoRandomness> {
    match policy {
        OwnerPolicy::Requestor => owner_of(cx),
        OwnerPolicy::Fixed(name) => Ok(TaskOwner::new(format!("fixed:{name}"))),
    }
}

/// Whether `owner` is a session (whose tasks nobody can reach once it ended).
pub(crate) fn owned_by_session(owner: &TaskOwner) -> bool {
    owner.as_str().starts_with("session:")
}

/// The owner of the tasks of 2026-07-28 requests that name no principal (see
/// [`crate::modern`]).
pub(crate) const BEARER_OWNER: &str = "bearer:";

/// Who owns the tasks created by the request of `cx` (see the [module docs](self)).
pub(crate) fn owner_of<R: Role>(cx: &RequestContext<R>) -> Result<TaskOwner, NoRandomness> {
    if let Some(principal) = cx.principal() {
        return Ok(TaskOwner::new(format!("principal:{}", principal.key())));
    }
    if cx.protocol_version().is_modern() {
        // No session outlives a modern request: the task id is the credential.
        return Ok(TaskOwner::new(BEARER_OWNER));
    }
    // A session that several processes serve is named by its shared name in all of them.
    if let Some(shared) = cx
        .extensions()
        .get::<oxmcp_core::transport::SharedSessionName>()
    {
        return Ok(TaskOwner::new(format!("session:shared:{}", shared.0)));
    }
    Ok(TaskOwner::new(format!(
        "session:{}:{}",
        process_nonce()?,
        cx.peer().session_id()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bit_hex_and_distinct() {
        let a = new_task_id().unwrap();
        let b = new_task_id().unwrap();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn a_fixed_owner_is_the_same_for_every_session() {
        use oxmcp_core::role::Server;
        use oxmcp_types::RequestId;
        use tokio_util::sync::CancellationToken;

        let cx =
            || RequestContext::<Server>::detached(RequestId::Number(1), CancellationToken::new());
        let fixed = OwnerPolicy::Fixed("local".into());
        assert_eq!(owner_for(&cx(), &fixed).unwrap().as_str(), "fixed:local");
        assert_eq!(
            owner_for(&cx(), &fixed).unwrap(),
            owner_for(&cx(), &fixed).unwrap()
        );
        // The default: each session owns its own tasks.
        let (a, b) = (cx(), cx());
        let requestor = owner_for(&a, &OwnerPolicy::default()).unwrap();
        assert!(requestor.as_str().starts_with("session:"));
        assert_eq!(requestor, owner_of(&a).unwrap());
        assert_ne!(requestor, owner_for(&b, &OwnerPolicy::default()).unwrap());
    }

    #[test]
    fn a_principal_owns_the_tasks_of_all_its_sessions() {
        use oxmcp_core::Principal;
        use oxmcp_core::role::Server;
        use oxmcp_types::RequestId;
        use tokio_util::sync::CancellationToken;

        let cx = |who: &str| {
            let mut cx =
                RequestContext::<Server>::detached(RequestId::Number(1), CancellationToken::new());
            cx.extensions_mut()
                .insert(Principal::new(who).with_issuer("https://issuer"));
            cx
        };
        let alice = owner_of(&cx("alice")).unwrap();
        assert_eq!(alice.as_str(), "principal:14:https://issuer#alice");
        assert_eq!(alice, owner_of(&cx("alice")).unwrap());
        assert_ne!(alice, owner_of(&cx("bob")).unwrap());
        assert!(!owned_by_session(&alice));
    }

    #[test]
    fn the_process_nonce_is_stable() {
        assert_eq!(process_nonce().unwrap(), process_nonce().unwrap());
        assert_eq!(process_nonce().unwrap().len(), 32);
    }
}
