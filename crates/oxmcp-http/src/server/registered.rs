//! A guard on the requests a POST registered with its session.

use oxmcp_types::RequestId;

use super::session::Session;

/// The requests a POST registered, forgotten if the POST's future is dropped before it got
/// their answers (the client left while the engine was still taking a message, or waiting
/// for room to reply): otherwise an exchange nobody will answer keeps its id in use and the
/// session from ever counting as idle. Call [`Registered::answered`] once the answers came.
/// On a stateless session it also ends the input, even with no request (a notification).
pub(crate) struct Registered<'a> {
    session: &'a Session,
    ids: Ids,
    armed: bool,
}

/// The ids guarded: most POSTs carry one request, kept without an allocation.
enum Ids {
    One(RequestId),
    Many(Vec<RequestId>),
}

impl<'a> Registered<'a> {
    /// Guards the exchanges of `ids` (those the session accepted) of `session`.
    pub(crate) fn new(session: &'a Session, ids: Vec<RequestId>) -> Self {
        Self {
            session,
            ids: Ids::Many(ids),
            armed: true,
        }
    }

    /// Guards the exchange of request `id` of `session`.
    pub(crate) fn one(session: &'a Session, id: RequestId) -> Self {
        Self {
            session,
            ids: Ids::One(id),
            armed: true,
        }
    }

    /// The POST got its answers: the exchanges live on by themselves.
    pub(crate) fn answered(mut self) {
        self.armed = false;
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        if self.armed {
            let ids = match &self.ids {
                Ids::One(id) => std::slice::from_ref(id),
                Ids::Many(ids) => ids,
            };
            self.session.abandon(ids);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Weak};
    use tokio::time::Instant;

    use oxmcp_types::RequestId;

    use super::Registered;
    use crate::server::session::{Session, SessionKind};
    use crate::server::{HttpServerConfig, ResponseMode, Settings};

    fn session(mode: ResponseMode) -> Arc<Session> {
        let settings = Arc::new(Settings {
            config: HttpServerConfig::default().with_response_mode(mode),
            epoch: Instant::now(),
        });
        let version = oxmcp_types::ProtocolVersion::LATEST;
        let id = Arc::from("s");
        Session::new(id, version, settings, Weak::new(), SessionKind::Streamable).0
    }

    #[test]
    fn a_post_dropped_before_its_answer_frees_its_request() {
        for mode in [ResponseMode::Json, ResponseMode::Sse] {
            let session = session(mode);
            let id = RequestId::Number(5);
            let rx = session.begin_exchange(id.clone()).expect("registered");
            assert!(session.begin_exchange(id.clone()).is_err(), "in use");
            let registered = Registered::one(&session, id.clone());
            drop(registered);
            drop(rx);
            assert!(session.is_idle(u64::MAX, 0));
            assert!(session.begin_exchange(id).is_ok(), "the id is free again");
        }
    }

    #[test]
    fn an_answered_post_leaves_its_exchange_to_the_response() {
        let session = session(ResponseMode::Json);
        let id = RequestId::Number(5);
        let _rx = session.begin_exchange(id.clone()).expect("registered");
        Registered::new(&session, vec![id.clone()]).answered();
        assert!(
            session.begin_exchange(id).is_err(),
            "still waiting for its response"
        );
        assert!(!session.is_idle(u64::MAX, 0));
    }
}
